# bedrock-drift in a container: for CI (the default entry point is the command line) and for
# the AWS Lambda container runtime (set the image's entry point to the runtime interface
# client, see docs/continuous.md).
#
#   docker build -t bedrock-drift .
#   docker run --rm -v "$PWD:/work" bedrock-drift check -p policies --from models
#
# Two stages: the wheel is built in the first, the second holds only what runs.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY checker ./checker
# The shipped policies are part of the wheel (-p builtin:NAME).
COPY policies ./policies
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
LABEL org.opencontainers.image.title="bedrock-drift" \
      org.opencontainers.image.description="Policy engine and drift checker for Amazon Bedrock custom models" \
      org.opencontainers.image.licenses="Apache-2.0"
# The Lambda function's policies: the shipped ones that judge requests and live models alike
# (docs/continuous.md); all of them are in /opt/bedrock-drift/policies for `check -p`.
# BEDROCK_DRIFT_CACHE_DIR: the facts of botocore's service models that a run reads, worked
# out below when the image is built; the run-time user cannot write a cache, and without
# them every run would parse botocore's models again (docs/speed.md, "A fast start").
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BEDROCK_DRIFT_POLICIES=/opt/bedrock-drift/policies/baseline.yaml,/opt/bedrock-drift/policies/documented-limits.yaml \
    BEDROCK_DRIFT_CACHE_DIR=/opt/bedrock-drift/cache
COPY --from=build /wheels /wheels
COPY policies /opt/bedrock-drift/policies
# awslambdaric: the Lambda runtime interface client, for the container runtime.
RUN pip install --no-cache-dir /wheels/*.whl awslambdaric==4.2.2 \
    && bedrock-drift validate --cache-facts /opt/bedrock-drift/policies \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin bedrock-drift
WORKDIR /work
USER 10001
ENTRYPOINT ["bedrock-drift"]
CMD ["--help"]
