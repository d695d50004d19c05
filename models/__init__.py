"""SQLAlchemy models, one module per schema; importing this package registers them all."""

from . import (  # noqa: F401  (registration)
    audit,
    billing,
    broker_api,
    care,
    claims,
    consent,
    documents,
    eligibility,
    enrollment,
    group_scheme,
    notifications,
    policy_admin,
    provider,
    triage,
)
from .base import SCHEMAS, Base

metadata = Base.metadata

__all__ = ["Base", "SCHEMAS", "metadata"]
