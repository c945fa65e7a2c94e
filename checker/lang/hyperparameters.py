"""The hyperparameter names AWS documents, for every customization type: a name outside them
in a policy is most likely a typo, which would match nothing and pass every model.

Supervised fine-tuning, continued pre-training and distillation keep hyperparameters in
``hyperParameters`` (a map of strings, with no names in botocore's model): their names are
the tables of docs/hyperparameter-limits.md, read from the Amazon Bedrock User Guide's
"Custom model hyperparameters" pages (docs.aws.amazon.com/bedrock/latest/userguide/
custom-models-hp.html) on 2026-11-27. Reinforcement fine-tuning keeps them in
``customizationConfig.rftConfig.hyperParameters``, whose members botocore's Bedrock service
model names (``RFTHyperParameters``): those are read from botocore, not copied.
"""

from __future__ import annotations

from functools import cache

# Family: the hyperparameter names its page documents (docs/hyperparameter-limits.md).
DOCUMENTED_BY_FAMILY: dict[str, tuple[str, ...]] = {
    "Amazon Titan Text G1 - Lite and Express": (
        "epochCount", "batchSize", "learningRate", "learningRateWarmupSteps"),
    "Amazon Titan Text G1 - Premier": (
        "epochCount", "batchSize", "learningRate", "learningRateWarmupSteps"),
    "Amazon Nova Micro, Lite and Pro (v1)": (
        "epochCount", "learningRate", "learningRateWarmupSteps"),
    "Meta Llama 2 (13B, 70B)": ("epochCount", "batchSize", "learningRate"),
    "Meta Llama 3.1 (8B, 70B Instruct)": ("epochCount", "batchSize", "learningRate"),
    "Meta Llama 3.2 (1B, 3B, 11B, 90B Instruct)": ("epochCount", "batchSize", "learningRate"),
    "Cohere Command and Command Light": (
        "epochCount", "batchSize", "learningRate", "earlyStoppingThreshold",
        "earlyStoppingPatience", "evalPercentage"),
    "Anthropic Claude 3 Haiku": (
        "epochCount", "batchSize", "learningRateMultiplier", "earlyStoppingThreshold",
        "earlyStoppingPatience"),
}


@cache
def rft_hyperparameters() -> frozenset[str]:
    """The members of botocore's ``RFTHyperParameters`` shape."""
    from checker.lang.shapes import shape_metadata

    return frozenset((shape_metadata("bedrock", "RFTHyperParameters") or {})["members"])


@cache
def documented_hyperparameters() -> frozenset[str]:
    """Every hyperparameter name documented for any customization type."""
    names = {name for family in DOCUMENTED_BY_FAMILY.values() for name in family}
    return frozenset(names | rft_hyperparameters())
