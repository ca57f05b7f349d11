"""gradbook: the code of "Gradients by Hand and by Machine".

Each module belongs to a chapter of the book and uses its symbols:

- quadform: f(x) = xᵀAx, its gradient and Hessian, finite differences
- frameworks: the same gradients through PyTorch and TensorFlow
- nn_python: a plain-Python MLP, one sample at a time
- nn_numpy: the same MLP in NumPy, on mini-batches
- autodiff: a reverse-mode automatic differentiation engine over NumPy
- nn_autodiff: the MLP on that engine, no gradient written by hand
- data: the toy problem and Iris
- bench: the speed of the MLP in each implementation

TensorFlow writes C++ start-up logs to stderr unless two variables are
set before it is imported; importing gradbook first sets them (unless
the reader has set them already).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
