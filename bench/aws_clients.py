"""aiobotocore vs boto3 on a bounded thread pool, against a moto server on 127.0.0.1 (DynamoDB PutItem/GetItem
and SQS SendMessage, N calls at a given concurrency). Prints calls per second for each; no assertions.

    .venv/bin/python bench/aws_clients.py [--calls 600] [--concurrency 16]

aiobotocore pins its own botocore release, which conflicts with the project's boto3, so it is not a project
dependency: run this script from a separate virtual environment holding aiobotocore and moto[server] to get
both figures (it prints only the boto3 one when aiobotocore is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def setup(endpoint: str) -> str:
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
    dynamodb.create_table(
        TableName="bench",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    return str(
        boto3.client("sqs", endpoint_url=endpoint, region_name=REGION).create_queue(QueueName="bench")["QueueUrl"]
    )


def operations(number: int, queue_url: str) -> list[tuple[str, str, dict[str, Any]]]:
    key = {"pk": {"S": f"item-{number}"}}
    return [
        ("dynamodb", "put_item", {"TableName": "bench", "Item": {**key, "n": {"N": str(number)}}}),
        ("dynamodb", "get_item", {"TableName": "bench", "Key": key}),
        ("sqs", "send_message", {"QueueUrl": queue_url, "MessageBody": f"message {number}"}),
    ]


async def with_threads(endpoint: str, queue_url: str, calls: int, concurrency: int) -> float:
    config = Config(retries={"mode": "standard"}, max_pool_connections=concurrency)
    session = boto3.session.Session(region_name=REGION)
    clients = {name: session.client(name, endpoint_url=endpoint, config=config) for name in ("dynamodb", "sqs")}
    executor = ThreadPoolExecutor(max_workers=concurrency)
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(concurrency)

    async def one(number: int) -> None:
        async with limit:
            for service, operation, params in operations(number, queue_url):
                method = getattr(clients[service], operation)
                await loop.run_in_executor(executor, lambda m=method, p=params: m(**p))

    started = time.perf_counter()
    await asyncio.gather(*(one(number) for number in range(calls // 3)))
    elapsed = time.perf_counter() - started
    executor.shutdown()
    return calls / elapsed


async def with_aiobotocore(endpoint: str, queue_url: str, calls: int, concurrency: int) -> float | None:
    try:
        from aiobotocore.session import get_session
    except ImportError:
        return None
    config = Config(retries={"mode": "standard"}, max_pool_connections=concurrency)
    session = get_session()
    limit = asyncio.Semaphore(concurrency)
    async with (
        session.create_client("dynamodb", endpoint_url=endpoint, region_name=REGION, config=config) as dynamodb,
        session.create_client("sqs", endpoint_url=endpoint, region_name=REGION, config=config) as sqs,
    ):
        clients = {"dynamodb": dynamodb, "sqs": sqs}

        async def one(number: int) -> None:
            async with limit:
                for service, operation, params in operations(number, queue_url):
                    await getattr(clients[service], operation)(**params)

        started = time.perf_counter()
        await asyncio.gather(*(one(number) for number in range(calls // 3)))
        return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per call otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        queue_url = setup(endpoint)
        threads = asyncio.run(with_threads(endpoint, queue_url, args.calls, args.concurrency))
        native = asyncio.run(with_aiobotocore(endpoint, queue_url, args.calls, args.concurrency))
        print(f"{args.calls} calls, concurrency {args.concurrency}, moto server on 127.0.0.1")
        print(f"  boto3 + {args.concurrency} threads : {threads:8.1f} calls/s")
        if native is None:
            print("  aiobotocore          :  (not installed here; see the docstring)")
        else:
            print(f"  aiobotocore          : {native:8.1f} calls/s   (threads / aiobotocore = {threads / native:.2f})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
