"""The original plain-Python MLP, kept as a specimen with its bugs.

This is the multilayer perceptron the book started from, as it was
written: a `DenseLayer`, a `SoftmaxLayer` and a `SequentialModel`
trained one sample at a time with SGD. Its comments are translated to
English and it takes a `random.Random` (argument `rng`) so that a run
can be repeated; nothing else is changed. Do not learn from it and do
not fix it: the page "The original code and its mistakes" runs it to
show what each mistake does, and `gradbook.nn_python` /
`gradbook.nn_numpy` are the corrected versions.

Its known bugs:

1. `softmax` exponentiates the raw scores without subtracting their
   maximum, so a score above about 709.78 makes `math.exp` raise
   `OverflowError`; training on the toy problem gets there from some
   seeds.
2. Each layer's `backward` updates its weights first and then computes
   the gradient for the layer below with the *updated* weights, so
   every layer but the last trains on a wrong gradient.
3. `SequentialModel.summary` reads `layer.activation`, which
   `SoftmaxLayer` does not have: it raises `AttributeError`.
4. `cross_entropy` adds 1e-9 inside the logarithm, which hides a
   probability of exactly 0 (the loss tops out near 20.7) instead of
   working with log-probabilities; `train` sums the per-sample losses
   rather than averaging them, and prints instead of returning them.
5. The weights come from the global `random` module unless an `rng`
   is passed (this copy's addition), so the original runs could not be
   repeated.

Also added, at the end and marked as such: `build_model`,
`train_quietly` and `get_params`, so the specimen can be built, trained
and compared with the corrected networks without printing.

Just over 300 lines: the original notebook's code is kept whole, as a
specimen, with its mistakes.

Defined in: The original code and its mistakes, §Running the original.
"""

import math
import random


# ======== Activation functions and their gradients ========
# The activation functions
def relu(x):
    return [max(0, val) for val in x]


def relu_derivative(x):
    # the slope
    return [1 if i > 0 else 0 for i in x]


def softmax(x):
    exps = [math.exp(i) for i in x]
    sum_exps = sum(exps)
    return [j / sum_exps for j in exps]


# ======== Loss function (cross-entropy) ========
def cross_entropy(predicted, actual):
    return -sum(a * math.log(p + 1e-9) for p, a in zip(predicted, actual))


def cross_entropy_derivative(predicted, actual):
    return [p - a for p, a in zip(predicted, actual)]


# ======== The DenseLayer class ========
class DenseLayer:
    def __init__(self, input_dim, output_dim, activation,
                 activation_derivative, rng=random):
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.activation = activation
        self.activation_derivative = activation_derivative
        self.weights = [[rng.uniform(-1, 1) for _ in range(output_dim)]
                        for _ in range(input_dim)]
        self.biases = [rng.uniform(-1, 1) for _ in range(output_dim)]

    def forward(self, input_vector):
        self.input = input_vector  # for backprop
        self.z = [sum(input_vector[i] * self.weights[i][j]
                      for i in range(self.input_dim)) + self.biases[j]
                  for j in range(self.output_dim)]
        self.output = self.activation(self.z)
        return self.output

    # output_gradient: the gradient handed down by the next layer (or by
    #   the output layer), that is ∂L/∂output
    # learning_rate: the learning rate (multiplies the gradient when the
    #   weights are updated)
    # Step 1: compute dz
    # dz: backprop always applies the chain rule
    #       ∂L/∂z = ∂L/∂a × ∂a/∂z
    #           ∂L/∂a = output_gradient (the value from the next layer)
    #           ∂a/∂z = the derivative of the activation function (of
    #                   the activation defined for this layer)
    #           so dz[i] = output_gradient[i] × f'(z[i])
    # Step 2: the gradients of the weights and biases
    # dw[i][j] = ∂L/∂W[i][j]
    #   This layer's weight W[i][j] is determined by the input
    #   self.input[i] and the gradient of the output z[j] (dz[j]).
    #   So the gradient of each weight is:
    #   ∂L/∂W[i][j] = input[i] × dz[j]
    # There is one bias per output neuron, so the gradient of a bias is
    # simply dz[j]:
    #   ∂L/∂b[j] = dz[j]
    # Step 3: update the weights and biases
    # Update the weights with SGD (stochastic gradient descent), moving
    # against the gradient from the current weights:
    #   W[i][j] ← W[i][j] - η × ∂L/∂W[i][j]
    # The biases are updated the same way:
    #   b[j] ← b[j] - η × ∂L/∂b[j]
    # Step 4: the gradient to send to the previous layer
    # Compute the gradient for x[i], this layer's input (the previous
    # layer's output), i.e. how much the input x[i] of this layer
    # affects the total loss:
    #   ∂L/∂x[i] = ∑(W[i][j] × dz[j]) over j
    #   and pass it to the previous layer's backward function
    def backward(self, output_gradient, learning_rate):
        dz = [output_gradient[i]
              * self.activation_derivative([self.z[i]])[0]
              for i in range(self.output_dim)]

        # weight, bias gradients
        dw = [[self.input[i] * dz[j] for j in range(self.output_dim)]
              for i in range(self.input_dim)]
        db = dz[:]

        # update weights and biases
        for i in range(self.input_dim):
            for j in range(self.output_dim):
                self.weights[i][j] -= learning_rate * dw[i][j]

        for j in range(self.output_dim):
            self.biases[j] -= learning_rate * db[j]

        # return gradient for previous layer
        prev_grad = [sum(self.weights[i][j] * dz[j]
                         for j in range(self.output_dim))
                     for i in range(self.input_dim)]
        return prev_grad


# ======== Softmax + cross-entropy output layer ========
class SoftmaxLayer:
    def __init__(self, input_dim, output_dim, rng=random):
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.weights = [[rng.uniform(-0.5, 0.5) for _ in range(output_dim)]
                        for _ in range(input_dim)]
        self.biases = [0.0 for _ in range(output_dim)]

    def forward(self, input_vector):
        self.input = input_vector
        self.z = [sum(input_vector[i] * self.weights[i][j]
                      for i in range(self.input_dim)) + self.biases[j]
                  for j in range(self.output_dim)]
        self.output = softmax(self.z)
        return self.output

    # Take the difference (dz) between the prediction and the truth,
    # multiply the input of this layer by that difference (dz) to make
    # the dw vector,
    # take the db vector from dz as well,
    # update the weights by subtracting (dw × learning rate) from them,
    # update the biases the same way,
    # then multiply these newly computed weights by dz, sum, and pass
    # that gradient to the previous layer, which repeats the process.
    def backward(self, target_vector, learning_rate):
        # derivative of cross entropy + softmax
        # dz = y_hat - y_real
        # dz = [-0.3, 0.2, 0.1] if self.output(pred) = [0.7, 0.2, 0.1]
        # and target_vector(real) = [1, 0, 0]
        dz = cross_entropy_derivative(self.output, target_vector)

        # weight, bias gradients
        # dw[i,j]: the partial derivative for weights[i][j]
        # self.input[i]: the input to this layer (the previous layer's
        #   output)
        # dz[j]: the gradient of the loss for the j-th output neuron
        # i.e. ∂L/∂W[i][j] = input[i] * dz[j]
        # Each entry of W multiplies an input, so the gradient of W is
        # input × dz.
        dw = [[self.input[i] * dz[j] for j in range(self.output_dim)]
              for i in range(self.input_dim)]

        # The gradient of the biases equals dz.
        # ∂L/∂b[j] = dz[j], so copy it as it is
        db = dz[:]

        # update
        # Update the weights the SGD way:
        # new weight = old weight - learning rate × gradient
        # Move against the gradient to reduce the loss
        for i in range(self.input_dim):
            for j in range(self.output_dim):
                self.weights[i][j] -= learning_rate * dw[i][j]

        # update the biases the same way as above
        for j in range(self.output_dim):
            self.biases[j] -= learning_rate * db[j]

        # return gradient for previous layer
        # Compute the gradient to pass to the previous layer for the
        # next step of backprop.
        # of the form ∂L/∂x_i = ∑(W[i][j] * dz[j])
        # This layer's output depends on the previous layer's input, so
        # apply the chain rule
        prev_grad = [sum(self.weights[i][j] * dz[j]
                         for j in range(self.output_dim))
                     for i in range(self.input_dim)]
        return prev_grad


# Define the Sequential model
class SequentialModel:
    def __init__(self):
        self.layers = []

    def add(self, layer):
        self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, y_true, learning_rate):
        grad = y_true
        for layer in reversed(self.layers):
            grad = layer.backward(grad, learning_rate)

    def train(self, x, y, epochs, learning_rate):
        for epoch in range(epochs):
            total_loss = 0

            for xi, yi in zip(x, y):
                y_pred = self.forward(xi)
                total_loss += cross_entropy(y_pred, yi)
                self.backward(yi, learning_rate)

            print(f"Epoch{epoch + 1}: Loss = {total_loss:.4f}")

    def summary(self):
        print("Model summary:")
        for idx, layer in enumerate(self.layers):
            print(f" Layer {idx + 1}: input {layer.input_dim}, "
                  f"output {layer.output_dim}, "
                  f"activation {layer.activation.__name__}")


# ======== Training data (a simple classification problem) ========
# Inputs: 4-dimensional / outputs: one-hot, 3-dimensional
train_x = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1]
]

train_y = [
    [1, 0, 0],  # class 0
    [0, 1, 0],  # class 1
    [0, 0, 1],  # class 2
    [1, 0, 0],  # class 0
]


# ======== Build the model (the original did this at import time) ========
def build_model(rng=random):
    """The original 4 → 8 → 8 → 3 model, its layers drawn from `rng`.

    The original built and trained this model at the top level of its
    notebook; this copy wraps the building in a function so that
    importing the module runs nothing.
    """
    model = SequentialModel()
    model.add(DenseLayer(input_dim=4, output_dim=8, activation=relu,
                         activation_derivative=relu_derivative, rng=rng))
    model.add(DenseLayer(input_dim=8, output_dim=8, activation=relu,
                         activation_derivative=relu_derivative, rng=rng))
    model.add(SoftmaxLayer(input_dim=8, output_dim=3, rng=rng))
    return model


# ======== Helpers for running the specimen (not in the original) ========
def train_quietly(model, epochs=50, learning_rate=0.1):
    """`SequentialModel.train` on the toy data, without its printing.

    A forward and a backward pass per sample, each layer updating its
    own weights inside `backward`, exactly as the original trains.
    """
    for epoch in range(epochs):
        for x, y in zip(train_x, train_y):
            model.forward(x)
            model.backward(y, learning_rate)


def get_params(model):
    """The model's weights as [(W, b), ...]: W (n_in, n_out), b (1, n_out).

    Float64 NumPy arrays in the row convention of `gradbook.nn_numpy`,
    so the same weights can be loaded into the corrected networks.
    """
    import numpy as np  # here, not above: the original is NumPy-free

    return [(np.array(layer.weights, dtype=np.float64),
             np.array([layer.biases], dtype=np.float64))
            for layer in model.layers]
