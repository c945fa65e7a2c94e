"""Foundation model ids of the families the documentation covers, for the base-model lint.

A base-model glob that matches none of these (in any of the forms a base model takes) is
most likely a typo. The list is deliberately small and will age: the lint is a warning, and
names "if it names a model newer than this list, ignore this warning".

Sources: the "Supported models and Regions for fine-tuning" table of the Amazon Bedrock User
Guide (docs.aws.amazon.com/bedrock/latest/userguide/custom-model-fine-tuning.html), read
2026-11-27, and the families docs/hyperparameter-limits.md documents (Titan Text, Llama 2,
Cohere Command).
"""

from __future__ import annotations

FOUNDATION_MODEL_IDS: tuple[str, ...] = (
    # Amazon Nova
    "amazon.nova-micro-v1:0:128k",
    "amazon.nova-lite-v1:0:300k",
    "amazon.nova-pro-v1:0:300k",
    "amazon.nova-2-lite-v1:0:256k",
    "amazon.nova-canvas-v1:0",
    # Amazon Titan
    "amazon.titan-text-lite-v1:0:4k",
    "amazon.titan-text-express-v1:0:8k",
    "amazon.titan-text-premier-v1:0:32k",
    "amazon.titan-image-generator-v2:0",
    "amazon.titan-embed-image-v1:0",
    # Anthropic
    "anthropic.claude-3-haiku-20240307-v1:0:200k",
    # Meta Llama
    "meta.llama2-13b-v1:0:4k",
    "meta.llama2-70b-v1:0:4k",
    "meta.llama3-1-8b-instruct-v1:0:128k",
    "meta.llama3-1-70b-instruct-v1:0:128k",
    "meta.llama3-2-1b-instruct-v1:0:128k",
    "meta.llama3-2-3b-instruct-v1:0:128k",
    "meta.llama3-2-11b-instruct-v1:0:128k",
    # Cohere
    "cohere.command-text-v14:7:4k",
    "cohere.command-light-text-v14:7:4k",
)


def id_forms(model_id: str) -> list[str]:
    """The id and its shorter versions: ``a.b-v1:0:8k``, ``a.b-v1:0``, ``a.b-v1``."""
    parts = model_id.split(":")
    return [":".join(parts[:n]) for n in range(len(parts), 0, -1)]
