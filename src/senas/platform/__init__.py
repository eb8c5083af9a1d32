"""Ports to the managed services (one `typing.Protocol` each) and their implementations.

Each sub-package holds the port in `__init__.py`, the embedded implementation in `local.py` and the AWS one in
`aws.py`. The bottom layer: it imports nothing else of Señas. Only `senas.wiring` chooses which implementation
runs.
"""
