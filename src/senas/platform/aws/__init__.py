"""What every AWS implementation of a port shares: one boto3 session, its clients and the thread pool that runs
their blocking calls (see :mod:`senas.platform.aws.clients`) and the error translation.

Only `senas.wiring` (the aws profile and `senas aws provision`) imports this package, so nothing else in the code
base loads boto3.
"""
