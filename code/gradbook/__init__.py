"""gradbook: the code of "Gradients by Hand and by Machine".

Each module belongs to a chapter of the book and uses its symbols:

- quadform: f(x) = xᵀAx, its gradient and Hessian, finite differences
- jacobians: Jacobians, forward and reverse mode, JVPs, VJPs and HVPs
- frameworks: the same gradients through PyTorch and TensorFlow
- nn_python: a plain-Python MLP, one sample at a time
- nn_numpy: the same MLP in NumPy, on mini-batches
- autodiff: a reverse-mode automatic differentiation engine over NumPy
- nn_autodiff: the MLP on that engine, no gradient written by hand
- checks: input checks and parameter loading for both MLPs
- gradcheck: gradients checked against finite differences
- descent: gradient descent, heavy ball and Newton on a quadratic
- data: the toy problem and Iris
- bench: the speed of the MLP in each implementation
- bench_modes: a gradient by n JVPs against one VJP, timed

TensorFlow writes C++ start-up logs to stderr unless two variables are
set before it is imported; importing gradbook sets them (unless the
reader has set them already). `quiet_tensorflow(env)` sets the same
two in any other environment, such as that of a child process.
"""

import os

TENSORFLOW_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow(env=os.environ):
    """Set TENSORFLOW_QUIET's variables in env where unset; return env.

    env: a mapping of environment variables, os.environ by default.
    """
    for name, value in TENSORFLOW_QUIET.items():
        env.setdefault(name, value)
    return env


quiet_tensorflow()
