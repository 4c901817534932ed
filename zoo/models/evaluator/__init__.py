"""Evaluators: classifiers whose features and logits measure generated images (declared here)."""

ARCHITECTURES = {"evaluator": "zoo.models.evaluator.evaluator:Evaluator"}
