6# syntax=docker/dockerfile:1
ARG BASE=python:3.12-slim
FROM ${BASE} AS base
RUN useradd --uid 10001 --create-home app
USER 10001:10001

FROM base AS final
# no USER here: a stage built FROM another stage inherits its USER (10001)
WORKDIR /home/app
COPY --chown=10001:10001 app.py .
EXPOSE 8000
CMD ["python", "app.py"]
