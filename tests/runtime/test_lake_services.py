"""S3 (ItemReader/ResultWriter) and SNS through the local lake."""

from __future__ import annotations

import json

from orchestration.local import execute
from tests.runtime.conftest import functions


def test_distributed_map_reads_items_from_the_lake_and_writes_results_back(make_resolver, lake):
    (lake / "ctl" / "runs").mkdir(parents=True)
    (lake / "ctl" / "runs" / "batches.json").write_text(json.dumps([{"batch": 0}, {"batch": 1}, {"batch": 2}]))
    definition = {"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "End": True,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                       "Parameters": {"Bucket": "ctl", "Key": "runs/batches.json"}},
        "ItemSelector": {"batch.$": "$$.Map.Item.Value.batch"},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "ctl", "Prefix": "out"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P",
                          "States": {"P": {"Type": "Task", "End": True,
                                           "Resource": "arn:aws:lambda:eu-central-1:123456789012:function:echo"}}}}}}
    resolver = make_resolver(functions(echo=("echo", 256, 30)))
    result = execute(definition, {}, resolver=resolver)
    assert result.status == "SUCCEEDED", result.cause
    assert len(resolver.lambdas.invocations) == 3
    manifest = json.loads((lake / "ctl" / result.output["ResultWriterDetails"]["Key"]).read_text())
    key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    rows = json.loads((lake / "ctl" / key).read_text())
    assert sorted(json.loads(r["Output"])["event"]["batch"] for r in rows) == [0, 1, 2]


def test_sns_publish_writes_the_message_to_the_outbox(make_resolver, lake):
    definition = {"StartAt": "N", "States": {"N": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                                                   "Parameters": {"TopicArn": "arn:aws:sns:eu-central-1:1:alerts",
                                                                  "Message": "hello"}, "End": True}}}
    result = execute(definition, {}, resolver=make_resolver({}))
    assert result.status == "SUCCEEDED"
    files = sorted((lake / "_outbox" / "alerts").glob("*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text())
    assert record["Message"] == "hello" and record["MessageId"] == result.output["MessageId"]


def test_unknown_resources_fail_naming_the_supported_ones(make_resolver):
    definition = {"StartAt": "Q", "States": {"Q": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                                   "Parameters": {}, "End": True}}}
    result = execute(definition, {}, resolver=make_resolver({}))
    assert result.status == "FAILED" and result.error == "States.Runtime"
    assert "sqs:sendMessage" in result.cause and "sns:publish" in result.cause
