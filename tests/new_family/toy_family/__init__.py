"""A toy family, added to `zoo.models` by tests/test_new_family.py without touching zoo/."""

ARCHITECTURES = {
    "toy_cycle": "zoo.models.toy_family.toy:ToyCycle",
    "toy_flow": "zoo.models.toy_family.toy:ToyFlow",
}
