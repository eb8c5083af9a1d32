"""Composition of the ports: settings in, a ``Platform`` out (``platform.py``, ``embedded.py``, ``aws.py``), and
the declarations with which each service's bootstrap takes exactly the resources it uses (``resources.py``).

Above ``core`` and ``platform``, below the services: the only package that imports port implementations.
"""

from senas.wiring.build import build_platform
from senas.wiring.platform import Platform, declare_subscriptions

__all__ = ["Platform", "build_platform", "declare_subscriptions"]
