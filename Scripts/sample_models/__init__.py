"""Per-family sample catalogues. Importing this package registers their models in sample_kit.MODELS.

Each module builds its models with the shims of sample_kit, so one definition serves every generation
listed in its @model(...) line; builders adapt to a generation with the K3 / TFK / K2 / K1 flags and say
so in the covers text they return.
"""
# first: the original catalogue, registered before the families (its Keras 1/2 layer names depend on it)
from sample_models import first  # noqa: F401,E402
from sample_models import activations, attention, normalization, merges, graph, benchmarks  # noqa: F401,E402
from sample_models import recurrent_forms  # noqa: F401,E402
from sample_models import convolutions, convolutional_recurrent  # noqa: F401,E402
