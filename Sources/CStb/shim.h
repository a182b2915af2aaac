// Debian ships stb compiled as libstb, so the implementation macro is not defined here.
#include <stb_image.h>
