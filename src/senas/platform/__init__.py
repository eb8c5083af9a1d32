"""Ports to the managed services (one `typing.Protocol` each) and their implementations.

Each sub-package holds the port in `__init__.py`, the embedded implementation in `local.py` and, later, the AWS
implementation in `aws.py`. Only `senas.platform.wiring` chooses which implementation runs.
"""
