import Engine
print("qscope")
