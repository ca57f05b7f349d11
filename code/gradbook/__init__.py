"""gradbook: the code of "Gradients by Hand and by Machine".

Each module belongs to a chapter of the book and uses its symbols:

- quadform: f(x) = xᵀAx, its gradient and Hessian, finite differences
- jacobians: Jacobians, forward and reverse mode, JVPs, VJPs and HVPs
- frameworks: the same gradients through PyTorch and TensorFlow
- nn_python: a plain-Python MLP, one sample at a time
- nn_numpy: the same MLP in NumPy, on mini-batches
- data: the toy problem and Iris
- bench: the speed of the MLP in each implementation
- bench_modes: a gradient by n JVPs against one VJP, timed

TensorFlow writes C++ start-up logs to stderr unless two variables are
set before it is imported; importing gradbook first sets them (unless
the reader has set them already).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
