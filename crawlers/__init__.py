"""Discovering data into the catalog: crawler settings (Terraform inputs), the catalog port (Glue and
local), the local crawler and its GetCrawler-shaped service, direct partition registration.

Entry points (each documented in its module):

- ``crawlers.settings.crawler_settings(spec, prefix="lockgate") -> dict``
- ``crawlers.catalogs.get_catalog() -> Catalog`` (``GlueCatalog`` / ``LocalCatalog``)
- ``crawlers.local.crawl(lake, settings) -> CrawlSummary``
- ``crawlers.service.LocalCrawlerService(lake)`` with ``start_crawler(name)`` / ``get_crawler(name)``
- ``crawlers.register.register_partitions(catalog, spec, partitions)``
"""

from __future__ import annotations
