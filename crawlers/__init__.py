"""Discovering data into the catalog: crawler settings (Terraform inputs), the catalog port (Glue and
local), the local crawler and its GetCrawler-shaped service, schema comparison for
``crawler.run: on_schema_change``.

Entry points (each documented in its module):

- ``crawlers.settings.crawler_settings(spec, prefix="lockgate") -> dict``
- ``crawlers.catalog.get_catalog() -> Catalog`` (``GlueCatalog`` / ``LocalCatalog``)
- ``crawlers.local.crawl(lake, settings) -> CrawlSummary``
- ``crawlers.service.LocalCrawlerService(lake)`` with ``start_crawler(name)`` / ``get_crawler(name)``
- ``crawlers.schema.compare_schema(...)``, ``crawlers.status.crawler_error(get_crawler_response)``
- ``crawlers.register.register_partitions(catalog, spec, partitions)``
"""

from __future__ import annotations
