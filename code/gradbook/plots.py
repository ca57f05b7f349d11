"""Pictures of a quadratic form in the plane: level sets and gradients.

Each function draws on a matplotlib Axes that the caller made, and takes
every value from `gradbook.quadform` (f and grad_f, point by point), so
a picture shows the very functions the tests check. Only 2 × 2 matrices:
a picture needs a plane.
"""

import numpy as np
from matplotlib.colors import CenteredNorm

from gradbook.quadform import check_square, f, grad_f


def check_plane(A):
    """Return A as a float array of shape (2, 2), or raise ValueError.

    Defined in: A worked example, the Hessian, and level sets,
    §Level sets and gradient arrows.
    """
    A = check_square(A)
    if A.shape != (2, 2):
        raise ValueError(
            f"a picture in the plane needs A of shape (2, 2); got shape "
            f"{A.shape}"
        )
    return A


def level_sets(ax, A, radius=2.0, levels=12, points=81):
    """Shade and outline the level sets f(x) = c of f(x) = xᵀAx on ax.

    A: (2, 2). The square [−radius, radius]² is sampled on a grid of
    points × points x's; colour is centred on f = 0 (red above, blue
    below), so a saddle shows its two signs. Axes get equal scales, so
    right angles look right. Returns the values f(x), an array of shape
    (points, points): row i is x₂ = grid[i], column j is x₁ = grid[j].
    Defined in: A worked example, the Hessian, and level sets,
    §Level sets and gradient arrows.
    """
    A = check_plane(A)
    grid = np.linspace(-radius, radius, points)
    x1, x2 = np.meshgrid(grid, grid)
    values = np.array(
        [[f([a, b], A) for a, b in zip(row1, row2)]
         for row1, row2 in zip(x1, x2)]
    )
    norm = CenteredNorm(vcenter=0.0)
    ax.contourf(x1, x2, values, levels=levels, cmap="RdBu_r", norm=norm,
                alpha=0.55)
    ax.contour(x1, x2, values, levels=levels, colors="0.35",
               linewidths=0.8)
    ax.set_aspect("equal")
    ax.locator_params(nbins=5)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return values


def gradient_arrows(ax, A, gradient=grad_f, radius=2.0, arrows=9,
                    scale=None, **style):
    """Draw gradient(x, A) as arrows at an arrows × arrows grid of x's.

    A: (2, 2); gradient: a function (x, A) -> column of shape (2, 1),
    grad_f by default. Arrows are drawn in the units of the axes (so
    an arrow normal to a level set looks normal), each of length
    scale · ‖gradient‖. By default the longest arrow is 0.9 grid steps
    long. `style` goes to ax.quiver (color, width, ...).
    Returns the scale used, so that a second field can be drawn to the
    same scale.
    Defined in: A worked example, the Hessian, and level sets,
    §Level sets and gradient arrows.
    """
    A = check_plane(A)
    step = 2 * radius / arrows
    grid = -radius + step * (np.arange(arrows) + 0.5)
    x = np.array([(a, b) for b in grid for a in grid])
    g = np.array([gradient(point.reshape(2, 1), A).ravel() for point in x])
    if scale is None:
        longest = np.linalg.norm(g, axis=1).max()
        scale = 0.9 * step / longest if longest > 0 else 1.0
    ax.quiver(x[:, 0], x[:, 1], scale * g[:, 0], scale * g[:, 1],
              angles="xy", scale_units="xy", scale=1, **style)
    return scale
