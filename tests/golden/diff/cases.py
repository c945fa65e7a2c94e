"""Hand-made pairs of model states and what ``bedrock-drift diff`` must print for them.

Regenerate the golden files with ``python tests/golden/diff/regen.py`` and review the diff.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.drift.diff import diff_models, render_plan_text
from checker.results import ModelInput

HERE = Path(__file__).resolve().parent
ACCOUNT = "111122223333"


def arn(model_id: str, region: str = "us-east-1") -> str:
    return (f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/"
            f"amazon.titan-text-express-v1:0:8k/{model_id}")


SUMMARIZER: dict[str, Any] = {
    "modelArn": arn("k2x7d9q3m1ab"),
    "modelName": "prod-summarizer",
    "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k",
    "customizationType": "FINE_TUNING",
    "modelKmsKeyArn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/8f1c2d3e",
    "hyperParameters": {"epochCount": "2", "batchSize": "8", "learningRate": "0.00001"},
    "trainingDataConfig": {"s3Uri": "s3://acme-ml-training-data/summarizer/train.jsonl"},
    "validationDataConfig": {"validators": [
        {"s3Uri": "s3://acme-ml-training-data/summarizer/validation.jsonl"}]},
    "outputDataConfig": {"s3Uri": "s3://acme-ml-model-output/summarizer/"},
    "trainingMetrics": {"trainingLoss": 0.4172},
    "modelStatus": "Active",
    "tags": {"owner": "ml-platform", "site": "Zürich"},
}
CLASSIFIER: dict[str, Any] = {
    "modelArn": arn("q8w2e4r6t1yu", "us-west-2"),
    "modelName": "prod-classifier",
    "customizationType": "FINE_TUNING",
    "hyperParameters": {"learningRate": "0.00005"},
    "modelStatus": "Active",
    "tags": {"owner": "risk-ml"},
}


DELETE: Any = object()


def changed(doc: dict[str, Any], **edits: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with top-level keys replaced (DELETE removes one)."""
    new = copy.deepcopy(doc)
    for key, value in edits.items():
        if value is DELETE:
            new.pop(key, None)
        else:
            new[key] = value
    return new


@dataclass(frozen=True)
class DiffCase:
    id: str
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    ignore: tuple[str, ...] = ()
    kinds: dict[str, str] = field(default_factory=dict)  # modelName -> kind, default "model"

    @property
    def golden(self) -> Path:
        return HERE / f"{self.id}.txt"

    def inputs(self, docs: list[dict[str, Any]]) -> list[ModelInput]:
        return [ModelInput(document=d, kind=self.kinds.get(d.get("modelName", ""), "model"),
                           origin=self.id) for d in docs]

    def render(self) -> str:
        plan = diff_models(self.inputs(self.before), self.inputs(self.after), self.ignore)
        return render_plan_text(plan, baseline="before.json", current="after.json")


SHADOW = {"modelArn": arn("n3w0n3m0d3l1"), "modelName": "shadow-bot",
          "customizationType": "FINE_TUNING", "modelStatus": "Creating"}

CASES = [
    DiffCase("no-drift", [SUMMARIZER, CLASSIFIER], [copy.deepcopy(CLASSIFIER),
                                                    copy.deepcopy(SUMMARIZER)]),
    DiffCase("added-and-removed", [SUMMARIZER, CLASSIFIER], [SUMMARIZER, SHADOW]),
    DiffCase("changed-scalars", [SUMMARIZER], [changed(
        SUMMARIZER,
        hyperParameters={"epochCount": "2", "batchSize": "8", "learningRate": "0.0001"},
        modelStatus="Failed", modelKmsKeyArn=DELETE,
        trainingMetrics={"trainingLoss": 0.3901})]),
    DiffCase("nested-maps", [SUMMARIZER], [changed(
        SUMMARIZER,
        tags={"owner": "ml", "cost.center": "cc-1", "site": "Genève"},
        customizationConfig={"rftConfig": {"graderConfig": {"lambdaGrader": {
            "lambdaArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:grader:3"}}}})]),
    DiffCase("lists", [changed(SUMMARIZER, validationDataConfig={"validators": [
        {"s3Uri": "s3://acme-ml-training-data/v1.jsonl"},
        {"s3Uri": "s3://acme-ml-training-data/v2.jsonl"}]})],
        [changed(SUMMARIZER, validationDataConfig={"validators": [
            {"s3Uri": "s3://acme-ml-training-data/v1-fixed.jsonl"}]},
            vpcSubnets=["subnet-a", "subnet-b"])]),
    DiffCase("type-changes", [changed(SUMMARIZER, trainingMetrics=None, flags=[1],
                                      note=True, failureMessage=DELETE)],
             [changed(SUMMARIZER, hyperParameters={"epochCount": 2, "batchSize": "8",
                                                   "learningRate": "0.00001"},
                      trainingDataConfig="s3://acme-ml-training-data/summarizer/",
                      trainingMetrics={"trainingLoss": 0.4}, flags=[], note=1,
                      failureMessage=None)]),
    DiffCase("ignored-paths", [SUMMARIZER], [changed(
        SUMMARIZER, trainingMetrics={"trainingLoss": 0.1},
        tags={"owner": "someone-else"},
        validationDataConfig={"validators": [{"s3Uri": "s3://elsewhere/v.jsonl"}]},
        modelStatus="Failed")],
        ignore=("trainingMetrics.*", "tags.*", "validationDataConfig.validators[*].s3Uri")),
    DiffCase("planned-by-name",
             [{"modelName": "support-summarizer", "hyperParameters": {"learningRate": "1e-5"}}],
             [{"modelName": "support-summarizer", "hyperParameters": {"learningRate": "1e-4"}},
              {"modelName": "chat-distilled", "baseModelArn": "amazon.nova-lite-v1:0:300k"}],
             kinds={"support-summarizer": "planned", "chat-distilled": "planned"}),
    DiffCase("tags-read-on-one-side", [SUMMARIZER],
             [changed(SUMMARIZER, tags=DELETE, modelStatus="Creating")]),
]
