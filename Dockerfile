# The image every Airflow component runs: the official Airflow image plus this project's provider.
# Build: docker build -t netsuite-acton-sync:latest .
FROM apache/airflow:3.3.2-python3.11

USER airflow
WORKDIR /opt/airflow/project
COPY --chown=airflow:root requirements.txt constraints.txt pyproject.toml README.md ./
# Airflow itself is already in the image at the pinned version; the constraints keep every other
# package at the version the test suite ran with.
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY --chown=airflow:root plugins/ plugins/
COPY --chown=airflow:root sandbox/ sandbox/
RUN pip install --no-cache-dir --no-deps -e .
COPY --chown=airflow:root dags/ /opt/airflow/dags/
COPY --chown=airflow:root include/ /opt/airflow/include/
ENV NETSUITE_ACTON_CONFIG=/opt/airflow/include/sync.yaml
WORKDIR /opt/airflow
