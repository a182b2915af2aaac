# Regenerates the .npy fixtures: /tmp/venv0/bin/python Tests/Fixtures/npy/make_fixtures.py (numpy required).
import numpy as np, os
d = os.path.dirname(os.path.abspath(__file__))
np.save(os.path.join(d, 'f32_2x3.npy'), np.arange(6, dtype='<f4').reshape(2, 3) * 0.5 - 1)
np.save(os.path.join(d, 'u8_1x3x2x2.npy'), np.arange(12, dtype=np.uint8).reshape(1, 3, 2, 2) * 20)
np.save(os.path.join(d, 'i64_4.npy'), np.array([-3, 0, 7, 1 << 40], dtype='<i8'))
np.save(os.path.join(d, 'bool_3.npy'), np.array([True, False, True]))
np.save(os.path.join(d, 'f32_scalar.npy'), np.float32(2.5))
np.save(os.path.join(d, 'f32_fortran_2x2.npy'), np.asfortranarray(np.arange(4, dtype='<f4').reshape(2, 2)))
np.save(os.path.join(d, 'f64_2.npy'), np.array([1.0, 2.0]))
with open(os.path.join(d, 'f32_v2_3.npy'), 'wb') as f:
    np.lib.format.write_array(f, np.array([1, -2, 3.25], dtype='<f4'), version=(2, 0))
