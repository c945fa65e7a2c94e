"""bedrock-drift: a policy engine and drift checker for Amazon Bedrock custom models."""

__version__ = "0.1.0"
TOOL_NAME = "bedrock-drift"
INFORMATION_URI = "https://github.com/bedrock-drift/bedrock-drift"
