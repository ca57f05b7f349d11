"""The layers of the plain-Python MLP, one sample at a time.

ReLU and a stable log-softmax on lists, a `DenseLayer` (z = xW + b,
a = relu(z)) and the output `SoftmaxLayer` (p = softmax(z), with the
cross-entropy), each with its forward pass, its δ and its gradients:
the parts `gradbook.nn_python.SequentialModel` chains into a network.

Conventions (row vectors, as in the book's network chapters): one
sample x is a list of n_in numbers; a layer computes z = xW + b with W
a list of n_in rows of n_out numbers, W[i][j] the weight from input i
to output j, and b a list of n_out numbers. A target y is a one-hot
list of k numbers (or any row of k probabilities). The loss of one
sample is ℓ = −Σ_j y_j log p_j, and each layer's δ = ∂ℓ/∂z is a list
of n_out numbers: `gradbook.nn_numpy`'s δ = ∂L/∂Z of a batch of m = 1.

The layers take what `gradbook.nn_python.MLP` has checked: x a list of
n_in floats, y a one-hot list. A label or a sample of the wrong length
is refused there, once, not here.
"""

import math


# ======== ReLU and the log of softmax ========
def relu(z):
    """ReLU elementwise: a_j = max(0, z_j). z: list of n numbers.

    Defined in: The multilayer perceptron, §ReLU.
    """
    return [max(0.0, z_j) for z_j in z]


def relu_derivative(z):
    """The derivative of ReLU: 1 where z_j > 0, else 0 (0 at z_j = 0).

    ReLU has no derivative at 0; like PyTorch and TensorFlow, the book
    takes 0 there. z: list of n numbers; returns a list of n floats.
    Defined in: The multilayer perceptron, §ReLU.
    """
    return [1.0 if z_j > 0 else 0.0 for z_j in z]


def log_softmax(z):
    """Log-probabilities log p_j = z_j − max z − log Σ_l exp(z_l − max z).

    p = softmax(z) with p_j = exp(z_j) / Σ_l exp(z_l). Subtracting max z
    changes nothing mathematically and keeps every exponent ≤ 0, so
    math.exp never overflows; log p_j stays finite even where p_j
    underflows to 0. z: list of k scores; returns a list of k floats.
    Defined in: The multilayer perceptron, §A stable softmax.
    """
    z_max = max(z)
    log_total = math.log(sum(math.exp(z_j - z_max) for z_j in z))
    return [z_j - z_max - log_total for z_j in z]


# ======== Layers ========
class DenseLayer:
    """A dense ReLU layer: z = xW + b, a = relu(z).

    W: n_in lists of n_out weights; b: n_out biases, b_j = 0.1 at the
    start (a small positive bias keeps more ReLUs active). W is drawn He
    uniform, W[i][j] ~ U(−r, r) with r = √(6/n_in), whose variance r²/3
    is 2/n_in. What that variance preserves, with E taken over the
    draw of the weights and the input: if the weights are independent,
    of mean 0 and independent of the input x, and b = 0, then
    E[z_j²] = (2/n_in) Σ_i E[x_i²]; if x = relu(z′) for the
    previous layer's pre-activations z′, each symmetric about 0, then
    E[x_i²] = E[z′_i²]/2, so E[z_j²] is the mean of the E[z′_i²]: the
    second moment of the pre-activations is the same from one ReLU
    layer to the next (He et al., 2015). A bias b_j adds b_j² to E[z_j²].
    Defined in: Backprop from scratch, §A dense layer.
    """

    activation = "relu"
    initial_bias = 0.1

    def __init__(self, n_in, n_out, rng):
        self.n_in = n_in
        self.n_out = n_out
        limit = self.init_limit()
        self.W = [
            [rng.uniform(-limit, limit) for _ in range(n_out)]
            for _ in range(n_in)
        ]
        self.b = [self.initial_bias] * n_out

    def init_limit(self):
        """He uniform's bound √(6/n_in): weights of variance 2/n_in."""
        return math.sqrt(6.0 / self.n_in)

    def affine(self, x):
        """z_j = Σ_i x_i W[i][j] + b_j; x: list of n_in, z: list of n_out."""
        self.x = x
        self.z = [
            sum(x[i] * self.W[i][j] for i in range(self.n_in)) + self.b[j]
            for j in range(self.n_out)
        ]
        return self.z

    def forward(self, x):
        """a = relu(xW + b); x: list of n_in numbers, a: list of n_out."""
        self.a = relu(self.affine(x))
        return self.a

    def delta(self, grad_a):
        """δ = ∂ℓ/∂z = grad_a ⊙ relu′(z), grad_a = ∂ℓ/∂a; lists of n_out."""
        return [g * d for g, d in zip(grad_a, relu_derivative(self.z))]

    def gradients(self, delta):
        """The layer's gradients from δ = ∂ℓ/∂z, for the last input x.

        grad_W[i][j] = x_i δ_j (n_in × n_out), grad_b = δ (n_out),
        grad_x[i] = Σ_j W[i][j] δ_j (n_in): ∂ℓ/∂x = δWᵀ, computed with
        the weights of the forward pass (nothing has changed them).
        Defined in: The multilayer perceptron, §Layer gradients.
        """
        grad_W = [[x_i * d_j for d_j in delta] for x_i in self.x]
        grad_b = list(delta)
        grad_x = [
            sum(self.W[i][j] * delta[j] for j in range(self.n_out))
            for i in range(self.n_in)
        ]
        return grad_W, grad_b, grad_x

    def step(self, grad_W, grad_b, lr):
        """SGD: W ← W − lr·grad_W, b ← b − lr·grad_b."""
        for i in range(self.n_in):
            for j in range(self.n_out):
                self.W[i][j] -= lr * grad_W[i][j]
        for j in range(self.n_out):
            self.b[j] -= lr * grad_b[j]

    def n_params(self):
        """n_in·n_out weights plus n_out biases."""
        return self.n_in * self.n_out + self.n_out

    def describe(self):
        """(n_in, n_out, activation, parameters): one summary row."""
        return (self.n_in, self.n_out, self.activation, self.n_params())


class SoftmaxLayer(DenseLayer):
    """The output layer: z = xW + b, p = softmax(z), with cross-entropy.

    Initialised Glorot uniform, U(−√(6/(n_in + n_out)), ...), and b = 0.
    Its `delta` returns the same object as `DenseLayer.delta`, this
    layer's δ = ∂ℓ/∂z, but from the target y: softmax and cross-entropy
    differentiated together give δ = p − y (the book's theorem), so no
    ∂ℓ/∂p is ever formed.
    Defined in: The multilayer perceptron, §Softmax and cross-entropy.
    """

    activation = "softmax"
    initial_bias = 0.0

    def init_limit(self):
        """Glorot uniform: √(6/(n_in + n_out))."""
        return math.sqrt(6.0 / (self.n_in + self.n_out))

    def forward(self, x):
        """p = softmax(xW + b), computed as exp(log_softmax(z))."""
        self.log_p = log_softmax(self.affine(x))
        self.a = [math.exp(v) for v in self.log_p]
        return self.a

    def loss(self, y):
        """ℓ = −Σ_j y_j log p_j for the last forward pass (stable)."""
        return -sum(y_j * lp_j for y_j, lp_j in zip(y, self.log_p) if y_j)

    def delta(self, y):
        """δ = ∂ℓ/∂z = p − y, from the one-hot target y; a list of n_out."""
        return [p_j - y_j for p_j, y_j in zip(self.a, y)]
