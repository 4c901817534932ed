"""Evaluators: classifiers whose features and logits measure generated images."""

from zoo.models.evaluator.evaluator import Evaluator
