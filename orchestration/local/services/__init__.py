"""Local services behind the Task resources of a Lockgate state machine: Lambda handlers in their own
processes, the Glue script under local Spark, the local crawler, an SNS outbox and S3 on the local lake.
``LocalResolver`` is the explicit resource table the interpreter calls."""

from __future__ import annotations

from .crawler import CrawlerBackend, CrawlerService, sdk_error_name
from .glue import GlueService, LocalGlueJob
from .lambda_ import FunctionError, LambdaService, LocalFunction
from .resolver import LocalResolver, TaskCall
from .s3 import S3Service
from .sns import OUTBOX, SnsService

__all__ = [
    "CrawlerBackend", "CrawlerService", "sdk_error_name", "GlueService", "LocalGlueJob", "FunctionError",
    "LambdaService", "LocalFunction", "LocalResolver", "TaskCall", "S3Service", "SnsService", "OUTBOX",
]
