"""The project's rules for its AWS resources, checked on the Terraform source: every queue has a DLQ and is
encrypted, every bucket is encrypted and not public, no IAM policy names a wildcard action, each task role
allows exactly what its service uses, ports 8000/8001/8002 and health path /health everywhere, and the
resource names follow src/senas/platform/catalog.py."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from infra_hcl import (
    ENVS,
    MODULES,
    REPO_ROOT,
    TERRAFORM,
    actions_in_text,
    all_policy_statements,
    block,
    blocks,
    call_of,
    calls_of,
    data_sources,
    env_dir,
    locals_of,
    module_calls,
    module_dir,
    named_blocks,
    resource,
    resources,
    resources_of_kind,
    service_calls,
    statement_actions,
    statement_resources,
    statements,
    string_set,
    terraform_dirs,
)

from senas.core.settings import SERVICE_PORTS
from senas.platform import catalog

PORTS = {"content": 8000, "users": 8001, "ml": 8002}
PATHS = {"content": "/content*", "users": "/users*", "ml": "/ml*"}
IMAGES = {"content": "content-service", "users": "user-service", "ml": "ml-service"}


def test_ports_match_the_applications_settings() -> None:
    assert SERVICE_PORTS == PORTS


# --- queues --------------------------------------------------------------------------------------------------


def test_every_catalog_work_queue_exists_with_its_visibility_timeout() -> None:
    timeouts = locals_of(module_dir("sqs-queues"))["visibility_timeout_seconds"]
    assert set(timeouts) == set(catalog.WORK_QUEUES)
    for name, seconds in timeouts.items():
        assert seconds == catalog.VISIBILITY_TIMEOUTS.get(name, 30.0), name


def test_every_work_queue_has_a_dead_letter_queue_with_redrive_after_5_receives() -> None:
    directory = module_dir("sqs-queues")
    work = resource(directory, "aws_sqs_queue", "work")
    dead_letter = resource(directory, "aws_sqs_queue", "dead_letter")
    assert work["for_each"] == dead_letter["for_each"] == "${local.visibility_timeout_seconds}"
    assert work["name"] == "${var.name_prefix}-${each.key}"
    assert dead_letter["name"] == "${var.name_prefix}-${each.key}-dlq"
    assert catalog.dead_letter_queue("x") == "x-dlq"
    redrive = re.sub(r"\s+", " ", work["redrive_policy"])
    assert "deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn" in redrive
    assert "maxReceiveCount = var.max_receive_count" in redrive
    allow = resource(directory, "aws_sqs_queue_redrive_allow_policy", "dead_letter")
    assert "aws_sqs_queue.work[each.key].arn" in allow["redrive_allow_policy"]
    for env in ENVS:
        assert call_of(env, "sqs-queues").effective("max_receive_count") == catalog.MAX_RECEIVE_COUNT == 5


def test_every_queue_anywhere_is_encrypted_and_every_work_queue_has_a_redrive_policy() -> None:
    found = 0
    for directory in terraform_dirs():
        for name, queue in resources_of_kind(directory, "aws_sqs_queue").items():
            found += 1
            encrypted = queue.get("kms_master_key_id") or queue.get("sqs_managed_sse_enabled") is True
            assert encrypted, f"{directory.name}: aws_sqs_queue.{name} is not encrypted"
            # The alert inbox is read by people, never consumed by a worker: nothing to redrive.
            if name not in ("dead_letter", "alert_inbox"):
                assert "redrive_policy" in queue, f"{directory.name}: aws_sqs_queue.{name} has no DLQ"
    assert found == 3
    for env in ENVS:
        assert call_of(env, "sqs-queues").arguments["kms_key_arn"] == "${module.encryption_key.key_arn}"


# --- topics --------------------------------------------------------------------------------------------------


def test_topics_are_the_catalogs_and_encrypted() -> None:
    directory = module_dir("sns-topics")
    assert string_set(locals_of(directory)["topics"]) == set(catalog.TOPICS)
    topic = resource(directory, "aws_sns_topic", "this")
    assert topic["name"] == "${var.name_prefix}-${each.key}"
    assert topic["kms_master_key_id"] == "${var.kms_key_arn}"


@pytest.mark.parametrize("env", ENVS)
def test_subscriptions_are_the_catalogs_with_raw_delivery_and_allowed_by_the_queue(env: str) -> None:
    subscriptions = call_of(env, "sns-topics").arguments["queue_subscriptions"]
    assert {(item["topic"], item["queue"]) for item in subscriptions} == {
        (subscription.topic, subscription.queue) for subscription in catalog.SUBSCRIPTIONS
    }
    for item in subscriptions:
        assert item["queue_arn"] == f'${{module.queues.queue_arns["{item["queue"]}"]}}'
    subscription = resource(module_dir("sns-topics"), "aws_sns_topic_subscription", "queue")
    assert subscription["protocol"] == "sqs"
    assert subscription["raw_message_delivery"] is True
    allowed = call_of(env, "sqs-queues").arguments["topic_subscriptions"]
    expected: dict[str, list[str]] = defaultdict(list)
    for item in catalog.SUBSCRIPTIONS:
        expected[item.queue].append(f'${{module.topics.topic_arns["{item.topic}"]}}')
    assert {queue: sorted(arns) for queue, arns in allowed.items()} == {q: sorted(a) for q, a in expected.items()}


# --- buckets -------------------------------------------------------------------------------------------------


def test_buckets_are_the_catalogs_with_versioning_where_it_protects_data() -> None:
    buckets = locals_of(module_dir("s3-buckets"))["buckets"]
    assert set(buckets) == set(catalog.BUCKETS)
    assert {name for name, bucket in buckets.items() if bucket["versioned"]} == {"content-assets", "ml-models"}
    versioning = resource(module_dir("s3-buckets"), "aws_s3_bucket_versioning", "this")
    assert "if bucket.versioned" in versioning["for_each"]
    assert block(versioning, "versioning_configuration") == {"status": "Enabled"}


def _bucket_companions(directory: Path, kind: str, bucket: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of `kind` in the folder that configure aws_s3_bucket.<bucket>."""
    found = []
    for companion in resources_of_kind(directory, kind).values():
        target = companion.get("bucket", "")
        if f"aws_s3_bucket.{bucket}." in target or f"aws_s3_bucket.{bucket}[" in target:
            if "for_each" in body:
                assert companion.get("for_each") in (body["for_each"], f"${{aws_s3_bucket.{bucket}}}"), (
                    f"{directory.name}: {kind} does not cover every aws_s3_bucket.{bucket}"
                )
            found.append(companion)
    return found


def test_every_bucket_is_encrypted_public_access_blocked_and_owner_enforced() -> None:
    checked = []
    for directory in terraform_dirs():
        for name, body in resources_of_kind(directory, "aws_s3_bucket").items():
            checked.append(f"{directory.name}/{name}")
            assert "acl" not in body
            (encryption,) = _bucket_companions(
                directory, "aws_s3_bucket_server_side_encryption_configuration", name, body
            )
            default = block(block(encryption, "rule"), "apply_server_side_encryption_by_default")
            assert default["sse_algorithm"] in ("aws:kms", "AES256")
            if default["sse_algorithm"] == "aws:kms":
                assert default["kms_master_key_id"] == "${var.kms_key_arn}"
            (public_access,) = _bucket_companions(directory, "aws_s3_bucket_public_access_block", name, body)
            for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
                assert public_access[flag] is True, f"{directory.name}/{name}: {flag}"
            (ownership,) = _bucket_companions(directory, "aws_s3_bucket_ownership_controls", name, body)
            assert block(ownership, "rule") == {"object_ownership": "BucketOwnerEnforced"}
        assert not resources_of_kind(directory, "aws_s3_bucket_acl"), f"{directory.name} sets bucket ACLs"
    assert sorted(checked) == ["bootstrap/state", "bootstrap/state_access_logs", "log-bucket/this", "s3-buckets/this"]
    app_buckets = resource(module_dir("s3-buckets"), "aws_s3_bucket_server_side_encryption_configuration", "this")
    assert app_buckets["for_each"] == "${local.buckets}"


def test_no_bucket_policy_allows_everyone() -> None:
    for directory, name, statement in all_policy_statements():
        for principals in blocks(statement, "principals"):
            if "*" in principals["identifiers"]:
                assert statement.get("effect") == "Deny", f"{directory.name}: {name} allows principal *"


# --- IAM -----------------------------------------------------------------------------------------------------


def test_no_policy_names_a_wildcard_action() -> None:
    checked = 0
    for directory, name, statement in all_policy_statements():
        assert "not_actions" not in statement, f"{directory.name}: {name} uses not_actions"
        for action in statement_actions(directory, statement):
            checked += 1
            assert "*" not in action, f"{directory.name}: {name} allows {action}"
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action), f"{directory.name}: {name}: {action!r}"
    assert checked > 50
    for path in TERRAFORM.rglob("*.tf"):
        for action in actions_in_text(path.read_text(encoding="utf-8")):
            assert "*" not in action, f"{path}: inline policy allows {action}"


def test_only_the_rds_monitoring_managed_policy_is_attached() -> None:
    for directory in terraform_dirs():
        for attachment in resources_of_kind(directory, "aws_iam_role_policy_attachment").values():
            assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        assert not resources_of_kind(directory, "aws_iam_policy"), "use inline role policies from policy documents"


CONSUME = ("sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
COGNITO_ADMIN_ACTIONS = (
    "AdminAddUserToGroup",
    "AdminConfirmSignUp",
    "AdminCreateUser",
    "AdminDeleteUser",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminGetUser",
    "AdminInitiateAuth",
    "AdminListGroupsForUser",
    "AdminRemoveUserFromGroup",
    "AdminRespondToAuthChallenge",
    "AdminSetUserMFAPreference",
    "AdminSetUserPassword",
    "AdminUpdateUserAttributes",
    "AdminUserGlobalSignOut",
    "ListUsers",
)


def _expected_permissions() -> dict[str, dict[str, set[str]]]:
    permissions: dict[str, dict[str, set[str]]] = {name: defaultdict(set) for name in ("content", "users", "ml")}

    def allow(service: str, actions: tuple[str, ...] | list[str], *targets: str) -> None:
        for action in actions:
            permissions[service][action].update(targets)

    def consume(service: str, *queues: str) -> None:
        allow(service, [*CONSUME, "sqs:GetQueueUrl"], *(f"queue:{queue}" for queue in queues))

    def send(service: str, *queues: str) -> None:
        allow(service, ["sqs:SendMessage", "sqs:GetQueueUrl"], *(f"queue:{queue}" for queue in queues))

    # Each service consumes the queues the catalog gives it.
    for service, queues in catalog.CONSUMERS.items():
        consume(service, *queues)
    # content: S3 content-assets RW, user-uploads presign PUT + Get/Head (and delete/list a deleted account's
    # uploads), send video-processing, read the DB secret.
    allow("content", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "bucket:content-assets/*")
    allow("content", ["s3:ListBucket"], "bucket:content-assets", "bucket:user-uploads")
    allow("content", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "bucket:user-uploads/*")
    send("content", "video-processing")
    # Only the app role's credentials (DML); the master secret is the migration task's.
    allow("content", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "secret:database-app")
    # users: UserData + UserProgress and their indexes, Cognito admin on the pool, publish achievements, level
    # completions and account events.
    allow(
        "users",
        TABLE_ACTIONS,
        "table:UserData",
        "table:UserData/index/*",
        "table:UserProgress",
        "table:UserProgress/index/*",
    )
    allow("users", [f"cognito-idp:{action}" for action in COGNITO_ADMIN_ACTIONS], "user-pool")
    allow("users", ["sns:Publish"], "topic:achievement-notifs", "topic:level-completion", "topic:account-events")
    # ml: AiSessions, ml-models R+W, video-processing bucket RW, user-uploads read, send ml-inference +
    # practice-results + media-status, invoke its SageMaker endpoint.
    allow("ml", TABLE_ACTIONS, "table:AiSessions", "table:AiSessions/index/*")
    allow("ml", ["s3:GetObject", "s3:PutObject"], "bucket:ml-models/*")
    allow("ml", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "bucket:video-processing/*")
    allow("ml", ["s3:ListBucket"], "bucket:ml-models", "bucket:video-processing")
    allow("ml", ["s3:GetObject"], "bucket:user-uploads/*")
    send("ml", "ml-inference", "practice-results", "media-status")
    allow("ml", ["sagemaker:InvokeEndpoint"], "sagemaker-endpoint")
    # content, ml: read token revocation stamps (one key prefix of UserData; the users service has the table).
    allow("content", ["dynamodb:GetItem"], "table:UserData")
    allow("ml", ["dynamodb:GetItem"], "table:UserData")
    # all: publish system-alerts; the data key of the encrypted stores.
    for service in permissions:
        allow(service, ["sns:Publish"], "topic:system-alerts")
        allow(service, ["kms:Decrypt", "kms:GenerateDataKey"], "key")
    return permissions


_RESOURCE_PATTERNS = [
    (re.compile(r'^\$\{var\.(bucket|queue|topic|table)_arns\["([^"]+)"\]\}(.*)$'), lambda m: f"{m[1]}:{m[2]}{m[3]}"),
    (re.compile(r"^\$\{var\.database_secret_arn\}$"), lambda m: "secret:database"),
    (re.compile(r"^\$\{var\.database_app_secret_arn\}$"), lambda m: "secret:database-app"),
    (re.compile(r"^\$\{statement\.value\}$"), lambda m: "sagemaker-endpoint"),
    (re.compile(r"^\$\{var\.signing_secret_arn\}$"), lambda m: "secret:signing"),
    (re.compile(r"^\$\{var\.kms_key_arn\}$"), lambda m: "key"),
    (re.compile(r"^\$\{var\.user_pool_arn\}$"), lambda m: "user-pool"),
]


def _symbol(resource_expression: str) -> str:
    for pattern, render in _RESOURCE_PATTERNS:
        match = pattern.match(resource_expression)
        if match:
            return render(match)
    raise AssertionError(f"unexpected resource in a task role: {resource_expression!r}")


def _granted(document: dict[str, Any], directory: Path) -> dict[str, set[str]]:
    granted: dict[str, set[str]] = defaultdict(set)
    conditional = [block["content"][0] for block in document.get("dynamic", []) for block in [block["statement"]]]
    for statement in [*statements(document), *conditional]:
        assert statement.get("effect", "Allow") == "Allow"
        assert "condition" not in statement or statement["condition"]
        for action in statement_actions(directory, statement):
            granted[action].update(_symbol(item) for item in statement_resources(statement))
    return granted


@pytest.mark.parametrize("service", ["content", "users", "ml"])
def test_each_task_role_allows_exactly_what_its_service_uses(service: str) -> None:
    directory = module_dir("ecs-task-roles")
    document = data_sources(directory)[("aws_iam_policy_document", service)]
    granted = _granted(document, directory)
    expected = _expected_permissions()[service]
    assert dict(granted) == dict(expected)
    policy = resource(directory, "aws_iam_role_policy", service)
    assert policy["role"] == f"${{aws_iam_role.{service}.id}}"
    assert policy["policy"] == f"${{data.aws_iam_policy_document.{service}.json}}"


def test_execution_role_pulls_images_writes_logs_and_injects_the_signing_secret_only() -> None:
    directory = module_dir("ecs-task-roles")
    document = data_sources(directory)[("aws_iam_policy_document", "execution")]
    granted: dict[str, list[str]] = defaultdict(list)
    for statement in statements(document):
        for action in statement["actions"]:
            granted[action].extend(statement_resources(statement))
    assert dict(granted) == {
        "ecr:GetAuthorizationToken": ["*"],
        "ecr:BatchCheckLayerAvailability": ["${var.repository_arns}"],
        "ecr:BatchGetImage": ["${var.repository_arns}"],
        "ecr:GetDownloadUrlForLayer": ["${var.repository_arns}"],
        "logs:CreateLogStream": ['${[for arn in var.log_group_arns : "${arn}:log-stream:*"]}'],
        "logs:PutLogEvents": ['${[for arn in var.log_group_arns : "${arn}:log-stream:*"]}'],
        "secretsmanager:GetSecretValue": ["${var.signing_secret_arn}"],
        "kms:Decrypt": ["${var.kms_key_arn}"],
    }


def test_task_roles_trust_only_ecs_tasks_of_this_account() -> None:
    document = data_sources(module_dir("ecs-task-roles"))[("aws_iam_policy_document", "ecs_tasks_assume")]
    (statement,) = statements(document)
    assert statement["actions"] == ["sts:AssumeRole"]
    assert block(statement, "principals") == {"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}
    assert block(statement, "condition")["variable"] == "aws:SourceAccount"


@pytest.mark.parametrize("env", ENVS)
def test_services_run_with_their_own_task_role(env: str) -> None:
    for service, call in service_calls(env).items():
        assert call.arguments["task_role_arn"] == f'${{module.task_roles.task_role_arns["{service}"]}}'
        assert call.arguments["execution_role_arn"] == "${module.task_roles.execution_role_arn}"


# --- ports, health checks, load balancer ---------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_routes_ports_and_path_rules(env: str) -> None:
    routes = call_of(env, "load-balancer").arguments["routes"]
    assert {name: route["port"] for name, route in routes.items()} == PORTS
    assert {name: route["path_pattern"] for name, route in routes.items()} == PATHS
    assert len({route["priority"] for route in routes.values()}) == 3
    for service, call in service_calls(env).items():
        assert call.arguments["port"] == PORTS[service]
        assert call.arguments["target_group_arn"] == f'${{module.load_balancer.target_group_arns["{service}"]}}'
        assert call.arguments["image_repository_url"] == (
            f'${{module.container_registry.repository_urls["{IMAGES[service]}"]}}'
        )


def test_load_balancer_health_check_is_get_health_200_on_the_service_port() -> None:
    directory = module_dir("load-balancer")
    group = resource(directory, "aws_lb_target_group", "service")
    assert group["port"] == "${each.value.port}"
    assert group["target_type"] == "ip"
    health = block(group, "health_check")
    assert health["enabled"] is True
    assert health["path"] == "/health"
    assert health["matcher"] == "200"
    assert health["port"] == "traffic-port"
    rule = resource(directory, "aws_lb_listener_rule", "service")
    assert rule["listener_arn"] == "${aws_lb_listener.https.arn}"
    assert block(block(rule, "condition"), "path_pattern") == {"values": ["${each.value.path_pattern}"]}
    assert block(rule, "action")["type"] == "forward"


def test_https_listener_with_tls_and_http_redirects_to_https() -> None:
    directory = module_dir("load-balancer")
    https = resource(directory, "aws_lb_listener", "https")
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["certificate_arn"] == "${var.certificate_arn}"
    assert https["ssl_policy"] == "${var.ssl_policy}"
    assert "TLS13" in named_blocks(directory, "variable")["ssl_policy"]["default"]
    http = resource(directory, "aws_lb_listener", "http_redirect")
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    action = block(http, "default_action")
    assert action["type"] == "redirect"
    assert block(action, "redirect") == {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}
    balancer = resource(directory, "aws_lb", "this")
    assert balancer["drop_invalid_header_fields"] is True
    access_logs = [entry for entry in balancer["dynamic"] if "access_logs" in entry]
    assert (
        access_logs[0]["access_logs"]["for_each"] == "${var.access_logs_bucket == null ? [] : [var.access_logs_bucket]}"
    )


def test_container_runs_senas_serve_on_its_port_with_a_health_check() -> None:
    container = locals_of(module_dir("ecs-service"))["container"]
    assert container["command"] == (
        '${concat(["senas", "serve", var.service, "--host", "0.0.0.0", "--port", tostring(var.port)], '
        "var.serve_options)}"
    )
    # Only the user service adds an option: it also serves the learner web app, where the load balancer sends every
    # path no service claims.
    for env in ("dev", "prod"):
        services = {
            name: module
            for name, module in named_blocks(REPO_ROOT / "infra/terraform/envs" / env, "module").items()
            if str(module.get("source", "")).endswith("modules/ecs-service")
        }
        assert {name: module.get("serve_options", []) for name, module in services.items()} == {
            "content_service": [],
            "users_service": ["--web-app"],
            "ml_service": [],
        }
        (balancer,) = [
            module
            for module in named_blocks(REPO_ROOT / "infra/terraform/envs" / env, "module").values()
            if str(module.get("source", "")).endswith("modules/load-balancer")
        ]
        assert balancer["default_route"] == "users"
    assert container["portMappings"][0]["containerPort"] == "${var.port}"
    assert "http://127.0.0.1:${var.port}/health" in " ".join(container["healthCheck"]["command"])
    assert container["readonlyRootFilesystem"] is True
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert container["logConfiguration"]["options"]["awslogs-group"] == "${var.log_group_name}"


def _dockerfile_targets() -> dict[str, list[str]]:
    targets: dict[str, list[str]] = {}
    current = None
    text = (REPO_ROOT / "infra" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    for line in text.replace("\\\n", " ").splitlines():
        match = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = match.group(1)
            targets[current] = []
        elif current and line.strip() and not line.lstrip().startswith("#"):
            targets[current].append(line.strip())
    return targets


@pytest.mark.parametrize("service", ["content", "users", "ml"])
def test_dockerfile_target_per_service(service: str) -> None:
    targets = _dockerfile_targets()
    port = PORTS[service]
    lines = targets[service]
    assert f"EXPOSE {port}" in lines
    web_app = ', "--web-app"' if service == "users" else ""  # the user service also serves the learner web app
    assert f'CMD ["senas", "serve", "{service}", "--host", "0.0.0.0", "--port", "{port}"{web_app}]' in lines
    if service == "users":  # with its landmark engine and models (the page computes landmarks itself)
        assert "/opt/venv/bin/python src/senas/web/tasks_vision.py" in " ".join(targets["build-users"])
        assert any(line.startswith("COPY --from=build-ml /opt/venv/share/senas/pose_landmarker.task") for line in lines)
    (healthcheck,) = [line for line in lines if line.startswith("HEALTHCHECK")]
    assert f"http://127.0.0.1:{port}/health" in healthcheck
    assert "USER 10001:10001" in lines
    assert f"COPY --from=build-{service} /opt/venv /opt/venv" in lines
    install = " ".join(targets[f"build-{service}"])
    # Dependencies come only from the service's hashed lock (which pins the extras below), the project without
    # resolving anything again.
    assert f"pip install --no-cache-dir --require-hashes -r requirements/{service}.txt" in install
    assert "pip install --no-cache-dir --no-deps --no-build-isolation ." in install
    lock = (REPO_ROOT / "requirements" / f"{service}.txt").read_text(encoding="utf-8")
    assert "boto3==" in lock  # the aws extra
    assert ("\nav==" in lock) == (service == "ml")  # only the ML image decodes video
    # MediaPipe comes without its desktop OpenCV (--no-deps), from its own lock, into the ML image only.
    assert ("requirements/ml-offline.txt" in install) == (service == "ml")
    assert targets["runtime"][0].startswith("ENV")
    assert any("useradd --system --uid 10001" in line for line in targets["runtime"])


def test_dockerfile_uses_a_slim_base_and_dockerignore_keeps_secrets_and_venvs_out() -> None:
    text = (REPO_ROOT / "infra" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", text)
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignored = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for pattern in ("**/.git", "**/.venv", "**/.env", "**/*.tfstate", "tests", "infra"):
        assert pattern in ignored
    assert "src" not in ignored
    assert "README.md" not in ignored


# --- network placement and security groups -------------------------------------------------------------------


def test_security_groups_have_no_inline_rules() -> None:
    for directory in terraform_dirs():
        for name, group in resources_of_kind(directory, "aws_security_group").items():
            assert "ingress" not in group, f"{directory.name}: {name} has inline rules"
            assert "egress" not in group, f"{directory.name}: {name} has inline rules"


def test_tasks_accept_traffic_from_the_load_balancer_only() -> None:
    directory = module_dir("ecs-service")
    ingress = resources_of_kind(directory, "aws_vpc_security_group_ingress_rule")
    assert list(ingress) == ["from_load_balancer"]
    rule = ingress["from_load_balancer"]
    assert rule["referenced_security_group_id"] == "${var.load_balancer_security_group_id}"
    assert rule["from_port"] == rule["to_port"] == "${var.port}"
    assert "cidr_ipv4" not in rule


def test_only_the_load_balancer_accepts_traffic_from_the_internet() -> None:
    open_rules = []
    for directory in terraform_dirs():
        for name, rule in resources_of_kind(directory, "aws_vpc_security_group_ingress_rule").items():
            if rule.get("cidr_ipv4") == "0.0.0.0/0":
                open_rules.append((directory.name, name, rule["from_port"], rule["to_port"]))
    assert sorted(open_rules) == [("load-balancer", "http", 80, 80), ("load-balancer", "https", 443, 443)]
    assert resource(module_dir("load-balancer"), "aws_lb", "this")["internal"] is False


@pytest.mark.parametrize("env", ENVS)
def test_tasks_run_in_private_subnets_and_the_database_in_database_subnets(env: str) -> None:
    for call in service_calls(env).values():
        assert call.arguments["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert call_of(env, "load-balancer").arguments["public_subnet_ids"] == "${module.network.public_subnet_ids}"
    database = call_of(env, "aurora-postgresql")
    assert database.arguments["subnet_ids"] == "${module.network.database_subnet_ids}"
    assert "content-service = module.content_service.security_group_id" in database.arguments[
        "allowed_security_group_ids"
    ].replace('"', "")


def test_ecs_service_rolls_with_circuit_breaker_rollback_and_no_public_ip() -> None:
    service = resource(module_dir("ecs-service"), "aws_ecs_service", "this")
    assert service["launch_type"] == "FARGATE"
    assert block(service, "deployment_controller") == {"type": "ECS"}
    assert block(service, "deployment_circuit_breaker") == {"enable": True, "rollback": True}
    assert service["deployment_minimum_healthy_percent"] == 100
    assert service["deployment_maximum_percent"] == 200
    assert block(service, "network_configuration")["assign_public_ip"] is False
    load_balancer = block(service, "load_balancer")
    assert load_balancer["container_port"] == "${var.port}"
    assert load_balancer["target_group_arn"] == "${var.target_group_arn}"


# --- data stores ---------------------------------------------------------------------------------------------


def test_aurora_serverless_v2_postgresql_encrypted_with_managed_secret() -> None:
    directory = module_dir("aurora-postgresql")
    cluster = resource(directory, "aws_rds_cluster", "this")
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engine_mode"] == "provisioned"
    assert cluster["storage_encrypted"] is True
    assert cluster["kms_key_id"] == "${var.kms_key_arn}"
    assert cluster["manage_master_user_password"] is True
    assert cluster["db_subnet_group_name"] == "${aws_db_subnet_group.this.name}"
    assert resource(directory, "aws_db_subnet_group", "this")["subnet_ids"] == "${var.subnet_ids}"
    assert resource(directory, "aws_rds_cluster_instance", "this")["publicly_accessible"] is False
    ingress = resource(directory, "aws_vpc_security_group_ingress_rule", "postgresql")
    assert ingress["referenced_security_group_id"] == "${each.value}"
    assert ingress["from_port"] == ingress["to_port"] == 5432


def test_dynamodb_tables_follow_the_key_design() -> None:
    directory = module_dir("dynamodb-tables")
    assert string_set(locals_of(directory)["tables"]) == set(catalog.TABLES)
    table = resource(directory, "aws_dynamodb_table", "this")
    assert table["name"] == "${var.name_prefix}-${each.key}"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("pk", "sk")
    assert {item["name"]: item["type"] for item in blocks(table, "attribute")} == {
        "pk": "S",
        "sk": "S",
        "gsi1pk": "S",
        "gsi1sk": "S",
    }
    index = block(table, "global_secondary_index")
    assert index == {"name": "gsi1", "hash_key": "gsi1pk", "range_key": "gsi1sk", "projection_type": "ALL"}
    assert block(table, "ttl") == {"attribute_name": "expires_at", "enabled": True}
    assert block(table, "server_side_encryption") == {"enabled": True, "kms_key_arn": "${var.kms_key_arn}"}


def test_ecr_repositories_scan_on_push_immutable_with_lifecycle() -> None:
    directory = module_dir("ecr-repositories")
    assert string_set(locals_of(directory)["repositories"]) == {
        "content-service",
        "user-service",
        "ml-service",
        "ml-sagemaker",
    }
    repository = resource(directory, "aws_ecr_repository", "this")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert block(repository, "image_scanning_configuration") == {"scan_on_push": True}
    assert block(repository, "encryption_configuration")["encryption_type"] == "KMS"
    policy = resource(directory, "aws_ecr_lifecycle_policy", "this")
    assert policy["for_each"] == "${aws_ecr_repository.this}"
    assert "imageCountMoreThan" in policy["policy"]
    assert "untagged" in policy["policy"]


# --- monitoring ----------------------------------------------------------------------------------------------


def test_alarms_cover_errors_dead_letters_cpu_memory_and_database_and_notify_system_alerts() -> None:
    directory = module_dir("monitoring")
    alarms = resources_of_kind(directory, "aws_cloudwatch_metric_alarm")
    assert set(alarms) == {
        "error_rate",
        "dead_letters",
        "cpu_high",
        "memory_high",
        "database_capacity",
        "unhealthy_hosts",
        "running_below_desired",
        "healthy_below_minimum",
        "oldest_message_age",
    }
    assert alarms["unhealthy_hosts"]["metric_name"] == "UnHealthyHostCount"
    assert alarms["oldest_message_age"]["metric_name"] == "ApproximateAgeOfOldestMessage"
    assert alarms["oldest_message_age"]["for_each"] == "${var.queue_names}"
    assert "RunningTaskCount" in str(alarms["running_below_desired"]["metric_query"])
    assert alarms["healthy_below_minimum"]["metric_name"] == "HealthyHostCount"
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"], name
    assert alarms["dead_letters"]["for_each"] == "${var.dead_letter_queue_names}"
    assert alarms["dead_letters"]["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert (alarms["dead_letters"]["comparison_operator"], alarms["dead_letters"]["threshold"]) == (
        "GreaterThanThreshold",
        0,
    )
    assert alarms["cpu_high"]["metric_name"] == "CPUUtilization"
    assert alarms["memory_high"]["metric_name"] == "MemoryUtilization"
    assert alarms["database_capacity"]["metric_name"] == "ACUUtilization"
    assert "HTTPCode_Target_5XX_Count" in str(alarms["error_rate"]["metric_query"])
    log_group = resource(directory, "aws_cloudwatch_log_group", "service")
    assert log_group["retention_in_days"] == "${var.log_retention_days}"
    for env in ENVS:
        monitoring = call_of(env, "monitoring")
        assert monitoring.arguments["alarm_topic_arn"] == '${module.topics.topic_arns["system-alerts"]}'
        assert monitoring.arguments["dead_letter_queue_names"] == "${module.queues.dead_letter_queue_names}"


def test_every_log_group_has_a_retention() -> None:
    for directory in terraform_dirs():
        for name, group in resources_of_kind(directory, "aws_cloudwatch_log_group").items():
            assert "retention_in_days" in group, f"{directory.name}: {name}"
            assert group.get("kms_key_id") == "${var.kms_key_arn}", f"{directory.name}: {name}"


# --- bastion, migrations, settings, backend, outputs ---------------------------------------------------------


def test_bastion_is_reachable_only_through_session_manager() -> None:
    directory = module_dir("bastion")
    instance = resource(directory, "aws_instance", "this")
    assert instance["associate_public_ip_address"] is False
    assert "key_name" not in instance
    assert block(instance, "metadata_options")["http_tokens"] == "required"
    assert block(instance, "root_block_device")["encrypted"] is True
    assert not resources_of_kind(directory, "aws_vpc_security_group_ingress_rule")
    actions = {action for _, _, statement in _statements_of(directory) for action in statement["actions"]}
    assert actions == {
        "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
        "sts:AssumeRole",
    }
    for env in ENVS:
        bastion = call_of(env, "bastion")
        assert bastion.arguments["count"] == "${var.bastion_enabled ? 1 : 0}"
        assert bastion.arguments["subnet_id"] == "${module.network.private_subnet_ids[0]}"


def _statements_of(directory: Path) -> list[tuple[Path, str, dict[str, Any]]]:
    return [item for item in all_policy_statements() if item[0] == directory]


@pytest.mark.parametrize("env", ENVS)
def test_migrations_run_as_a_one_off_task_of_the_content_image(env: str) -> None:
    migration = call_of(env, "ecs-one-off-task")
    assert migration.arguments["command"] == ["senas", "content", "migrate", "--grant-app-role"]
    assert (
        migration.arguments["image_repository_url"] == '${module.container_registry.repository_urls["content-service"]}'
    )
    assert migration.arguments["task_role_arn"] == '${module.task_roles.task_role_arns["migration"]}'
    assert migration.arguments["environment"] == "${local.migration_environment}"
    assert migration.arguments["image_tag"] == "${var.image_tag}"


REQUIRED_SETTINGS = {
    "SENAS_PROFILE",
    "SENAS_DATABASE_URL",
    "SENAS_DATABASE_SECRET_ID",
    "SENAS_TABLE_USER_DATA",
    "SENAS_TABLE_USER_PROGRESS",
    "SENAS_TABLE_AI_SESSIONS",
    "SENAS_RESOURCE_PREFIX",
    "SENAS_COGNITO_USER_POOL_ID",
    "SENAS_COGNITO_CLIENT_ID",
    "AWS_REGION",
    "SENAS_PUBLIC_URL",
    "SENAS_CONTENT_URL",
    "SENAS_USERS_URL",
    "SENAS_ML_URL",
    "SENAS_TRUSTED_PROXIES",
}


@pytest.mark.parametrize("env", ENVS)
def test_services_get_the_aws_settings(env: str) -> None:
    local = locals_of(env_dir(env))
    assert local["name_prefix"] == f"aplicacion-senas-{env}"
    environment = local["service_environment"]
    assert set(environment) == REQUIRED_SETTINGS
    assert environment["SENAS_PROFILE"] == "aws"
    assert environment["SENAS_RESOURCE_PREFIX"] == "${local.name_prefix}"
    assert environment["SENAS_DATABASE_URL"].startswith("postgresql+asyncpg://${module.database.endpoint}:")
    assert environment["SENAS_DATABASE_SECRET_ID"] == "${module.database_app_secret.secret_arn}"
    assert environment["SENAS_TABLE_USER_DATA"] == '${module.tables.table_names["UserData"]}'
    # Only the load balancer's subnets may name the client (issue 14 #4).
    assert environment["SENAS_TRUSTED_PROXIES"] == '${join(",", module.network.public_subnet_cidr_blocks)}'
    for service in ("content", "users", "ml"):
        assert environment[f"SENAS_{service.upper()}_URL"] == f'${{module.service_connect.base_urls["{service}"]}}'
    assert local["service_secrets"] == {"SENAS_SIGNING_SECRET": "${module.signing_secret.secret_arn}"}
    # Only the ML service is told the SageMaker endpoint, and only when it exists.
    assert "SENAS_SAGEMAKER_ENDPOINT = one(module.sagemaker[*].endpoint_name)" in local["ml_environment"]
    assert "if value != null" in local["ml_environment"]
    assert "SENAS_DATABASE_SECRET_ID = module.database.master_user_secret_arn" in local["migration_environment"]
    calls = service_calls(env)
    for service, call in calls.items():
        expected = "${local.ml_environment}" if service == "ml" else "${local.service_environment}"
        assert call.arguments["environment"] == expected
        assert call.arguments["secrets"] == "${local.service_secrets}"
    assert call_of(env, "ecs-one-off-task").arguments["secrets"] == "${local.service_secrets}"


def _backend(env: str) -> dict[str, Any]:
    (terraform,) = [body for body in named_blocks_list(env_dir(env), "terraform")]
    return block(terraform, "backend")["s3"]


def named_blocks_list(directory: Path, block_type: str) -> list[dict[str, Any]]:
    from infra_hcl import parse_dir

    return list(parse_dir(directory).get(block_type, []))


def test_backends_use_the_bootstrapped_state_bucket_and_lock_table() -> None:
    variables = named_blocks(TERRAFORM / "bootstrap", "variable")
    bucket = variables["state_bucket_name"]["default"]
    table = variables["lock_table_name"]["default"]
    assert (bucket, table) == ("aplicacion-senas-terraform-state", "aplicacion-senas-terraform-locks")
    keys = set()
    for env in ENVS:
        backend = _backend(env)
        assert backend["bucket"] == bucket
        assert backend["dynamodb_table"] == table
        assert backend["encrypt"] is True
        keys.add(backend["key"])
    assert keys == {"envs/dev/terraform.tfstate", "envs/prod/terraform.tfstate"}
    bootstrap = TERRAFORM / "bootstrap"
    versioning = resource(bootstrap, "aws_s3_bucket_versioning", "state")
    assert block(versioning, "versioning_configuration") == {"status": "Enabled"}
    encryption = resource(bootstrap, "aws_s3_bucket_server_side_encryption_configuration", "state")
    assert block(block(encryption, "rule"), "apply_server_side_encryption_by_default") == {"sse_algorithm": "AES256"}
    locks = resource(bootstrap, "aws_dynamodb_table", "locks")
    assert (locks["hash_key"], locks["billing_mode"]) == ("LockID", "PAY_PER_REQUEST")


REQUIRED_OUTPUTS = {
    "load_balancer_dns_name",
    "public_url",
    "ecr_repository_urls",
    "table_names",
    "bucket_names",
    "queue_names",
    "queue_urls",
    "topic_arns",
    "resource_prefix",
    "cognito_user_pool_id",
    "cognito_client_id",
    "database_secret_arn",
    "cluster_name",
    "services",
    "migration_task",
}


def test_environments_output_what_the_services_and_the_workflow_use() -> None:
    outputs = {env: named_blocks(env_dir(env), "output") for env in ENVS}
    assert set(outputs["dev"]) == set(outputs["prod"])
    assert set(outputs["dev"]) >= REQUIRED_OUTPUTS
    script = (REPO_ROOT / "infra" / "scripts" / "release.sh").read_text(encoding="utf-8")
    for name in re.findall(r"output \"\$outputs\" '([a-z_]+)", script):
        assert name in outputs["dev"], f"release.sh reads the missing output {name}"


def test_every_module_the_environments_call_is_in_modules() -> None:
    for env in ENVS:
        for call in module_calls(env).values():
            assert call.source_dir.parent == MODULES
    assert len(calls_of("dev", "ecs-service")) == 3
    assert {path.name for path in MODULES.iterdir()} == {call.module_name for call in module_calls("dev").values()}, (
        "every module is used by the environments"
    )


def test_resources_of_the_environments_are_in_modules_only() -> None:
    for env in ENVS:
        assert not resources(env_dir(env))
        assert not data_sources(env_dir(env))


# --- issue 16: SageMaker, hostname, private calls, least privilege ------------------------------------------


LOG_GROUP = {"${aws_cloudwatch_log_group.endpoint.arn}", "${aws_cloudwatch_log_group.endpoint.arn}:log-stream:*"}


def test_sagemaker_model_role_reads_ml_models_pulls_its_image_and_writes_its_logs_only() -> None:
    directory = module_dir("sagemaker-endpoint")
    granted: dict[str, set[str]] = defaultdict(set)
    for statement in statements(data_sources(directory)[("aws_iam_policy_document", "execution")]):
        for action in statement["actions"]:
            granted[action].update(statement_resources(statement))
    assert dict(granted) == {
        "s3:GetObject": {"${var.models_bucket_arn}/*"},
        "s3:ListBucket": {"${var.models_bucket_arn}"},
        "ecr:GetAuthorizationToken": {"*"},
        "ecr:BatchCheckLayerAvailability": {"${var.repository_arn}"},
        "ecr:BatchGetImage": {"${var.repository_arn}"},
        "ecr:GetDownloadUrlForLayer": {"${var.repository_arn}"},
        "logs:CreateLogStream": LOG_GROUP,
        "logs:DescribeLogStreams": LOG_GROUP,
        "logs:PutLogEvents": LOG_GROUP,
        "kms:Decrypt": {"${var.kms_key_arn}"},
    }
    for env in ENVS:
        call = call_of(env, "sagemaker-endpoint")
        assert call.arguments["count"] == "${var.sagemaker_enabled ? 1 : 0}"
        assert call.arguments["models_bucket_arn"] == '${module.buckets.bucket_arns["ml-models"]}'
        assert call.arguments["repository_url"] == '${module.container_registry.repository_urls["ml-sagemaker"]}'
        roles = call_of(env, "ecs-task-roles").arguments
        assert roles["sagemaker_endpoint_arn"] == "${one(module.sagemaker[*].endpoint_arn)}"
        assert roles["sagemaker_enabled"] == "${var.sagemaker_enabled}"


def test_ml_role_invokes_the_endpoint_only_when_it_exists() -> None:
    document = data_sources(module_dir("ecs-task-roles"))[("aws_iam_policy_document", "ml")]
    (conditional,) = [entry["statement"] for entry in document["dynamic"]]
    assert conditional["for_each"] == "${var.sagemaker_enabled ? [var.sagemaker_endpoint_arn] : []}"
    assert conditional["content"][0]["actions"] == ["sagemaker:InvokeEndpoint"]


def test_sagemaker_container_settings_name_the_ml_models_bucket_like_the_ml_service() -> None:
    for env in ENVS:
        local = locals_of(env_dir(env))
        assert local["sagemaker_environment"] == {
            "SENAS_PROFILE": "aws",
            "AWS_REGION": "${var.aws_region}",
            "SENAS_RESOURCE_PREFIX": "${local.name_prefix}",
        }
        for name in local["sagemaker_environment"]:
            assert local["service_environment"][name] == local["sagemaker_environment"][name]


def test_dockerfile_sagemaker_target_serves_the_hosting_contract_on_8080() -> None:
    lines = _dockerfile_targets()["sagemaker"]
    assert "EXPOSE 8080" in lines
    assert "COPY --from=build-ml /opt/venv /opt/venv" in lines
    assert 'ENTRYPOINT ["senas", "ml", "serve-sagemaker", "--host", "0.0.0.0", "--port", "8080"]' in lines
    assert "USER 10001:10001" in lines
    (healthcheck,) = [line for line in lines if line.startswith("HEALTHCHECK")]
    assert "http://127.0.0.1:8080/ping" in healthcheck


def test_public_hostname_is_required_validated_and_has_its_certificate() -> None:
    for env in ENVS:
        variables = named_blocks(env_dir(env), "variable")
        hostname = variables["public_hostname"]
        assert "default" not in hostname, "the host name is required"
        assert hostname["validation"], "the host name is validated"
        assert "certificate_arn" not in variables
        assert call_of(env, "load-balancer").arguments["certificate_arn"] == "${module.public_hostname.certificate_arn}"
        assert locals_of(env_dir(env))["public_url"] == "${module.public_hostname.url}"
    directory = module_dir("public-hostname")
    assert resource(directory, "aws_acm_certificate", "this")["validation_method"] == "DNS"
    for name in ("validation", "alias"):
        assert "local.managed_dns" in resource(directory, "aws_route53_record", name)["for_each"]


def test_services_call_each_other_over_service_connect() -> None:
    service = resource(module_dir("ecs-service"), "aws_ecs_service", "this")
    connect = block(service, "service_connect_configuration")
    assert connect["enabled"] is True
    assert connect["namespace"] == "${var.service_connect_namespace_arn}"
    assert block(connect, "service")["discovery_name"] == "${var.service}"
    groups = block(service, "network_configuration")["security_groups"]
    assert "${var.service_connect_security_group_id}" in groups
    rules = resources_of_kind(module_dir("service-connect"), "aws_vpc_security_group_ingress_rule")
    assert [rule["referenced_security_group_id"] for rule in rules.values()] == ["${aws_security_group.this.id}"]


def test_load_balancer_has_waf_and_hides_operational_paths_before_forwarding() -> None:
    directory = module_dir("load-balancer")
    association = resource(directory, "aws_wafv2_web_acl_association", "this")
    assert association["resource_arn"] == "${aws_lb.this.arn}"
    hide = resource(directory, "aws_lb_listener_rule", "hide_internal_paths")
    assert hide["count"] == "${var.internal_paths_hidden ? 1 : 0}"
    assert block(hide, "action")["type"] == "fixed-response"
    # The load balancer's own 404 (this rule, and the listener's default when no route takes the rest) is one local.
    assert block(block(hide, "action"), "fixed_response")["status_code"] == "${local.not_found.status_code}"
    assert locals_of(directory)["not_found"]["status_code"] == "404"
    patterns = named_blocks(directory, "variable")["internal_path_patterns"]["default"]
    assert {"/*/metrics", "/*/docs", "/*/openapi.json"} <= set(patterns)
    priority = named_blocks(directory, "variable")["internal_paths_rule_priority"]["default"]
    for env in ENVS:
        routes = call_of(env, "load-balancer").arguments["routes"]
        assert all(priority < route["priority"] for route in routes.values())
    # ECS gets the target groups only once the listener rules forward to them.
    output = named_blocks(directory, "output")["target_group_arns"]
    assert "aws_lb_listener_rule.service" in str(output["depends_on"])
    acl = resource(module_dir("web-acl"), "aws_wafv2_web_acl", "this")
    managed = {
        block(block(rule, "statement"), "managed_rule_group_statement")["name"]
        for rule in blocks(acl, "rule")
        if "managed_rule_group_statement" in block(rule, "statement")
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    (rate,) = [rule for rule in blocks(acl, "rule") if "rate_based_statement" in block(rule, "statement")]
    scope = block(block(block(rate, "statement"), "rate_based_statement"), "scope_down_statement")
    assert block(scope, "byte_match_statement")["search_string"] == "${var.auth_path_prefix}"
    assert named_blocks(module_dir("web-acl"), "variable")["auth_path_prefix"]["default"] == "/users/auth/"


def test_availability_zones_are_regular_opt_in_free_zones() -> None:
    zones = data_sources(module_dir("network"))[("aws_availability_zones", "available")]
    filters = {item["name"]: item["values"] for item in blocks(zones, "filter")}
    assert filters == {"opt-in-status": ["opt-in-not-required"], "zone-type": ["availability-zone"]}


def test_aurora_pins_the_major_version_and_takes_minor_upgrades() -> None:
    directory = module_dir("aurora-postgresql")
    instance = resource(directory, "aws_rds_cluster_instance", "this")
    assert instance["auto_minor_version_upgrade"] is True
    assert "engine_version" not in instance
    assert named_blocks(directory, "variable")["engine_version"]["default"] == "15"


def test_master_secret_is_read_by_the_migration_task_only() -> None:
    readers = []
    for directory, name, statement in all_policy_statements():
        if "resources" in statement and "${var.database_secret_arn}" in statement_resources(statement):
            readers.append((directory.name, name))
    assert readers == [("ecs-task-roles", "migration")]


def test_no_random_provider_and_a_lock_file_per_root() -> None:
    for path in TERRAFORM.rglob("*.tf"):
        assert "hashicorp/random" not in path.read_text(encoding="utf-8"), path
    for root in ("bootstrap", "envs/dev", "envs/prod"):
        lock = (TERRAFORM / root / ".terraform.lock.hcl").read_text(encoding="utf-8")
        assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
        assert "h1:" in lock
        assert "hashicorp/random" not in lock
