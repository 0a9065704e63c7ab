"""Crawler settings rendered from specs, accepted by the Glue API (moto over HTTP)."""

from __future__ import annotations

import json

import pytest

from crawlers.footers import excluded
from crawlers.settings import crawler_settings, create_crawler_request, table_level
from orchestration.core import aws

from .conftest import make_spec


def test_settings_for_an_overwrite_partitions_import() -> None:
    s = crawler_settings(make_spec(quarantine="s3://lake/sales/orders/_quarantine/"), prefix="acme")
    assert (s["name"], s["database"], s["table"], s["table_prefix"]) == ("acme-orders", "sales", "orders", "")
    assert s["s3_target"]["path"] == "s3://lake/sales/orders/"
    config = json.loads(s["configuration"])
    assert config["Grouping"] == {"TableGroupingPolicy": "CombineCompatibleSchemas", "TableLevelConfiguration": 3}
    assert config["CrawlerOutput"]["Tables"] == {"AddOrUpdateBehavior": "MergeNewColumns"}
    assert s["schema_change_policy"] == {"update_behavior": "UPDATE_IN_DATABASE",
                                         "delete_behavior": "DEPRECATE_IN_DATABASE"}
    assert s["recrawl_policy"] == {"recrawl_behavior": "CRAWL_EVERYTHING"}
    assert s["partition_index"] == {"index_name": "orders_partitions", "keys": ["order_date"]}
    assert s["partition_keys"] == [{"name": "order_date", "type": "date"}]
    assert {"_quarantine", "_quarantine/**"} <= set(s["exclusions"])
    ex = s["exclusions"]
    assert excluded("_quarantine/run_id=1/a.parquet", ex) and excluded("_lockgate_runs/r.json", ex)
    assert excluded("order_date=2024-01-01/_SUCCESS", ex) and excluded("order_date=2024-01-01/.a.crc", ex)
    assert not excluded("order_date=2024-01-01/part-0.parquet", ex)


def test_append_mode_crawls_new_folders_only_with_log_policy() -> None:
    s = crawler_settings(make_spec(mode="append"))
    assert s["recrawl_policy"] == {"recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"}
    assert s["schema_change_policy"] == {"update_behavior": "LOG", "delete_behavior": "LOG"}
    assert any("LOG" in n for n in s["notes"])


def test_table_names_that_differ_from_the_folder() -> None:
    assert table_level("s3://b/a/b/c/") == 4 and table_level("s3://b/t") == 2
    prefixed = crawler_settings(make_spec(table="raw_orders"))
    assert (prefixed["target_kind"], prefixed["table_prefix"]) == ("s3", "raw_")
    other = crawler_settings(make_spec(table="purchases"))
    assert other["target_kind"] == "catalog"
    assert other["catalog_target"] == {"database_name": "sales", "tables": ["purchases"]}
    assert other["schema_change_policy"]["delete_behavior"] == "LOG"
    assert not any("exclusions" in n for n in other["notes"])
    inside = crawler_settings(make_spec(table="purchases", quarantine="s3://lake/sales/orders/_quarantine/"))
    assert any("takes no exclusions" in n and "s3://lake/sales/orders/" in n for n in inside["notes"])


@pytest.mark.parametrize("target", [{}, {"mode": "append"}, {"table": "purchases"}])
def test_glue_accepts_the_rendered_crawler(aws: str, target: dict[str, str]) -> None:
    glue = aws_module_client()
    settings = crawler_settings(make_spec(**target))
    glue.create_database(DatabaseInput={"Name": "sales"})
    index = settings["partition_index"]  # moto has no CreatePartitionIndex; CreateTable takes it too
    glue.create_table(DatabaseName="sales", TableInput=settings["table_input"],
                      PartitionIndexes=[{"IndexName": index["index_name"], "Keys": index["keys"]}])
    glue.create_crawler(**create_crawler_request(settings, role="arn:aws:iam::123456789012:role/crawler"))
    got = glue.get_crawler(Name=settings["name"])["Crawler"]
    assert got["SchemaChangePolicy"]["UpdateBehavior"] == settings["schema_change_policy"]["update_behavior"]
    assert got["RecrawlPolicy"]["RecrawlBehavior"] == settings["recrawl_policy"]["recrawl_behavior"]
    config = json.loads(got["Configuration"])
    if settings["target_kind"] == "s3":
        assert config["Grouping"]["TableLevelConfiguration"] == 3
        assert got["Targets"]["S3Targets"][0]["Exclusions"] == settings["exclusions"]
    else:
        assert "Grouping" not in config and "S3Targets" not in got["Targets"]
        assert got["Targets"]["CatalogTargets"][0]["Tables"] == ["purchases"]
    assert [k["Name"] for k in glue.get_table(DatabaseName="sales", Name=settings["table"])["Table"]["PartitionKeys"]] \
        == ["order_date"]


def aws_module_client():  # noqa: ANN201 - boto3 client
    aws.clear_cache()
    return aws.client("glue")
