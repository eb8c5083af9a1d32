"""Message schemas shared by the services that produce and consume them.

Each model is the ``data`` of one envelope type at one version; producer and consumer import the same class, so
a change to a message is a change to one file (and, when it is not backwards compatible, a new ``VERSION``).
"""

from senas.contracts.base import ContractMismatch, MessageContract

__all__ = ["ContractMismatch", "MessageContract"]
