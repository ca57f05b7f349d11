"""gradbook: the code of "Gradients by Hand and by Machine".

Each module belongs to a chapter of the book and uses its symbols:

- quadform: f(x) = xᵀAx, its gradient and Hessian, finite differences
- jacobians: Jacobians, forward and reverse mode, JVPs and VJPs, by hand
- jacobians_frameworks: a VJP as the transposed JVP, and Hessian-vector
  products, in PyTorch, TensorFlow and JAX
- frameworks: the same gradients through PyTorch and TensorFlow
- nn_python: a plain-Python MLP, one sample at a time (its layers:
  nn_python_layers)
- nn_numpy: the same MLP in NumPy, on mini-batches
- nn_jax: the same MLP in plain JAX, pure functions of its params
- autodiff: a reverse-mode automatic differentiation engine over NumPy
- custom_rules: log-sum-exp given its own VJP, in the engine and the
  three frameworks
- nn_autodiff: the MLP on that engine, no gradient written by hand
- checks: input checks and parameter loading for both MLPs
- gradcheck: gradients checked against finite differences
- descent: gradient descent, heavy ball and Newton on a quadratic
- data: the toy problem and Iris
- bench: the speed of the MLP in each implementation (trained as
  bench_trainers sets each up)
- bench_modes: a gradient by n JVPs against one VJP, timed (the calls
  of each framework in bench_modes_calls)
- timing: the harness every bench module shares

TensorFlow writes C++ start-up logs to stderr unless two variables are
set before it is imported; importing gradbook sets them (unless the
reader has set them already), so every chapter imports gradbook before
TensorFlow or Keras. This is their one home: the tests and the book's
kernels get them by importing gradbook, and child processes inherit them.
"""

import os

TENSORFLOW_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow():
    """Set TENSORFLOW_QUIET's variables in os.environ where unset."""
    for name, value in TENSORFLOW_QUIET.items():
        os.environ.setdefault(name, value)


quiet_tensorflow()
