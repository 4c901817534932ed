"""Recipes: one per preset. `python -m training <preset>` reproduces `exports/<preset>/`."""

RECIPES = {
    "vae_mnist": "training.vae_mnist",
    "vae_fashion_mnist": "training.vae_fashion_mnist",
    "evaluator_mnist": "training.evaluator_mnist",
    "evaluator_fashion_mnist": "training.evaluator_fashion_mnist",
}
