"""The sizing table of the architecture, per environment, read from the environments' module calls (and the
called modules' defaults where an environment leaves a variable at its default). Changing any number in
infra/terraform/envs makes one of these tests fail."""

from __future__ import annotations

from typing import Any

import pytest
from infra_hcl import ENVS, block, call_of, dynamic_blocks, module_dir, resource, service_calls

SIZING: dict[str, dict[str, Any]] = {
    "dev": {
        "network": {"cidr_block": "10.0.0.0/16", "az_count": 2, "nat_gateway_count": 1, "flow_logs_enabled": False},
        "services": {
            "content": {"port": 8000, "cpu": 256, "memory": 512, "desired_count": 1, "max_count": 2},
            "users": {"port": 8001, "cpu": 256, "memory": 512, "desired_count": 1, "max_count": 2},
            "ml": {"port": 8002, "cpu": 512, "memory": 1024, "desired_count": 1, "max_count": 2},
        },
        "migration": {"cpu": 256, "memory": 512},
        "database": {
            "min_capacity": 0.5,
            "max_capacity": 2,
            "backup_retention_days": 3,
            "instance_count": 1,
            "deletion_protection": False,
        },
        "point_in_time_recovery": False,
        "tables_deletion_protection": False,
        "bucket_expiration_days": None,
        "mfa_configuration": "OPTIONAL",
        "user_pool_deletion_protection": False,
        "container_insights": False,
        "log_retention_days": 30,
        "load_balancer_deletion_protection": False,
        "load_balancer_access_logs": False,
    },
    "prod": {
        "network": {"cidr_block": "10.0.0.0/16", "az_count": 3, "nat_gateway_count": 3, "flow_logs_enabled": True},
        "services": {
            "content": {"port": 8000, "cpu": 512, "memory": 1024, "desired_count": 2, "max_count": 6},
            "users": {"port": 8001, "cpu": 512, "memory": 1024, "desired_count": 2, "max_count": 6},
            "ml": {"port": 8002, "cpu": 1024, "memory": 2048, "desired_count": 1, "max_count": 3},
        },
        "migration": {"cpu": 256, "memory": 512},
        "database": {
            "min_capacity": 1,
            "max_capacity": 4,
            "backup_retention_days": 14,
            "instance_count": 2,
            "deletion_protection": True,
        },
        "point_in_time_recovery": True,
        "tables_deletion_protection": True,
        "bucket_expiration_days": 90,
        "mfa_configuration": "ON",
        "user_pool_deletion_protection": True,
        "container_insights": True,
        "log_retention_days": 365,
        "load_balancer_deletion_protection": True,
        "load_balancer_access_logs": True,
    },
}

# The architecture gives ranges across the two environments; the table above must stay inside them.
SPEC_RANGES = {
    "content": {"cpu": (256, 512), "memory": (512, 1024)},
    "users": {"cpu": (256, 512), "memory": (512, 1024)},
    "ml": {"cpu": (512, 1024), "memory": (1024, 2048)},
}
AUTOSCALING_TARGETS = {"cpu_target_percent": 70, "memory_target_percent": 80}
# The ML service loads its models before it answers /health.
HEALTH_CHECK_GRACE_SECONDS = {"content": 60, "users": 60, "ml": 120}
ROUTE_PRIORITIES = {"content": 100, "users": 200, "ml": 300}
SERVICE_ENV_PAIRS = [(env, service) for env in ENVS for service in ("content", "users", "ml")]


@pytest.mark.parametrize("env", ENVS)
def test_network_zones_nat_gateways_and_flow_logs(env: str) -> None:
    network = call_of(env, "network")
    for variable, expected in SIZING[env]["network"].items():
        assert network.effective(variable) == expected, f"{env}: network.{variable}"


def test_nat_gateways_one_in_dev_one_per_zone_in_prod() -> None:
    assert call_of("dev", "network").effective("nat_gateway_count") == 1
    prod = call_of("prod", "network")
    assert prod.effective("nat_gateway_count") == prod.effective("az_count") == 3


def test_network_module_spreads_every_tier_over_az_count_zones() -> None:
    directory = module_dir("network")
    for tier in ("public", "private", "database"):
        assert resource(directory, "aws_subnet", tier)["count"] == "${var.az_count}"
    assert resource(directory, "aws_nat_gateway", "this")["count"] == "${var.nat_gateway_count}"
    assert resource(directory, "aws_flow_log", "this")["count"] == "${var.flow_logs_enabled ? 1 : 0}"
    flow_log = resource(directory, "aws_flow_log", "this")
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    assert flow_log["traffic_type"] == "ALL"
    assert resource(directory, "aws_internet_gateway", "this")["vpc_id"] == "${aws_vpc.this.id}"


@pytest.mark.parametrize(("env", "service"), SERVICE_ENV_PAIRS)
def test_service_port_cpu_memory_and_task_counts(env: str, service: str) -> None:
    call = service_calls(env)[service]
    for variable, expected in SIZING[env]["services"][service].items():
        assert call.effective(variable) == expected, f"{env}: {service}.{variable}"
    for variable, (low, high) in SPEC_RANGES[service].items():
        assert low <= call.effective(variable) <= high, f"{env}: {service}.{variable} outside the architecture's range"
    assert call.effective("max_count") >= call.effective("desired_count")
    assert call.effective("health_check_grace_period_seconds") == HEALTH_CHECK_GRACE_SECONDS[service]


@pytest.mark.parametrize("env", ENVS)
def test_route_priorities(env: str) -> None:
    routes = call_of(env, "load-balancer").effective("routes")
    assert {name: route["priority"] for name, route in routes.items()} == ROUTE_PRIORITIES


@pytest.mark.parametrize("env", ENVS)
def test_migration_task_size(env: str) -> None:
    migration = call_of(env, "ecs-one-off-task")
    for variable, expected in SIZING[env]["migration"].items():
        assert migration.effective(variable) == expected, f"{env}: migration.{variable}"


def test_each_environment_runs_exactly_the_three_services() -> None:
    for env in ENVS:
        assert sorted(service_calls(env)) == ["content", "ml", "users"]


@pytest.mark.parametrize(("env", "service"), SERVICE_ENV_PAIRS)
def test_autoscaling_targets_cpu_70_memory_80(env: str, service: str) -> None:
    call = service_calls(env)[service]
    for variable, expected in AUTOSCALING_TARGETS.items():
        assert call.effective(variable) == expected, f"{env}: {service}.{variable}"


def test_autoscaling_module_tracks_cpu_and_memory_between_desired_and_max() -> None:
    directory = module_dir("ecs-service")
    target = resource(directory, "aws_appautoscaling_target", "this")
    assert target["min_capacity"] == "${var.desired_count}"
    assert target["max_capacity"] == "${var.max_count}"
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    expected = {
        "cpu": ("ECSServiceAverageCPUUtilization", "${var.cpu_target_percent}"),
        "memory": ("ECSServiceAverageMemoryUtilization", "${var.memory_target_percent}"),
    }
    for name, (metric, target_value) in expected.items():
        policy = resource(directory, "aws_appautoscaling_policy", name)
        assert policy["policy_type"] == "TargetTrackingScaling"
        configuration = block(policy, "target_tracking_scaling_policy_configuration")
        assert configuration["target_value"] == target_value
        assert block(configuration, "predefined_metric_specification")["predefined_metric_type"] == metric


def test_task_definition_takes_cpu_memory_and_service_takes_desired_count() -> None:
    directory = module_dir("ecs-service")
    task = resource(directory, "aws_ecs_task_definition", "this")
    assert task["cpu"] == "${var.cpu}"
    assert task["memory"] == "${var.memory}"
    assert resource(directory, "aws_ecs_service", "this")["desired_count"] == "${var.desired_count}"


@pytest.mark.parametrize("env", ENVS)
def test_aurora_capacity_backups_and_instances(env: str) -> None:
    database = call_of(env, "aurora-postgresql")
    for variable, expected in SIZING[env]["database"].items():
        assert database.effective(variable) == expected, f"{env}: database.{variable}"
    # The major version is pinned; RDS applies minor versions (auto_minor_version_upgrade on the instances).
    assert database.effective("engine_version") == "15"
    assert database.effective("database_name") == "content_db"


def test_aurora_dev_max_acu_is_within_the_architectures_1_to_2() -> None:
    assert 1 <= call_of("dev", "aurora-postgresql").effective("max_capacity") <= 2


def test_aurora_module_wires_the_numbers_into_the_cluster() -> None:
    directory = module_dir("aurora-postgresql")
    cluster = resource(directory, "aws_rds_cluster", "this")
    scaling = block(cluster, "serverlessv2_scaling_configuration")
    assert scaling == {"min_capacity": "${var.min_capacity}", "max_capacity": "${var.max_capacity}"}
    assert cluster["backup_retention_period"] == "${var.backup_retention_days}"
    assert cluster["engine_version"] == "${var.engine_version}"
    assert cluster["database_name"] == "${var.database_name}"
    instance = resource(directory, "aws_rds_cluster_instance", "this")
    assert instance["count"] == "${var.instance_count}"
    assert instance["instance_class"] == "db.serverless"


@pytest.mark.parametrize("env", ENVS)
def test_dynamodb_point_in_time_recovery(env: str) -> None:
    tables = call_of(env, "dynamodb-tables")
    assert tables.effective("point_in_time_recovery") is SIZING[env]["point_in_time_recovery"]
    assert tables.effective("deletion_protection") is SIZING[env]["tables_deletion_protection"]
    table = resource(module_dir("dynamodb-tables"), "aws_dynamodb_table", "this")
    assert block(table, "point_in_time_recovery") == {"enabled": "${var.point_in_time_recovery}"}


@pytest.mark.parametrize("env", ENVS)
def test_bucket_expiry_90_days_in_prod_none_in_dev(env: str) -> None:
    assert call_of(env, "s3-buckets").effective("expiration_days") == SIZING[env]["bucket_expiration_days"]


def test_bucket_expiry_applies_only_to_the_transient_buckets() -> None:
    from infra_hcl import locals_of

    directory = module_dir("s3-buckets")
    transient = {name for name, bucket in locals_of(directory)["buckets"].items() if bucket["transient"]}
    assert transient == {"user-uploads", "video-processing"}
    lifecycle = resource(directory, "aws_s3_bucket_lifecycle_configuration", "this")
    expiring = [
        rule
        for rule in dynamic_blocks(lifecycle, "rule")
        if any("expiration" in content for content in rule["content"])
    ]
    assert len(expiring) == 1
    assert (
        expiring[0]["for_each"] == "${each.value.transient && var.expiration_days != null ? [var.expiration_days] : []}"
    )
    assert block(expiring[0]["content"][0], "expiration") == {"days": "${rule.value}"}


@pytest.mark.parametrize("env", ENVS)
def test_cognito_mfa_optional_in_dev_on_in_prod(env: str) -> None:
    user_pool = call_of(env, "cognito-user-pool")
    assert user_pool.effective("mfa_configuration") == SIZING[env]["mfa_configuration"]
    assert user_pool.effective("deletion_protection") is SIZING[env]["user_pool_deletion_protection"]
    pool = resource(module_dir("cognito-user-pool"), "aws_cognito_user_pool", "this")
    assert pool["mfa_configuration"] == "${var.mfa_configuration}"
    assert block(pool, "software_token_mfa_configuration") == {"enabled": True}


@pytest.mark.parametrize("env", ENVS)
def test_container_insights_in_prod_only(env: str) -> None:
    assert call_of(env, "ecs-cluster").effective("container_insights") is SIZING[env]["container_insights"]
    cluster = resource(module_dir("ecs-cluster"), "aws_ecs_cluster", "this")
    assert block(cluster, "setting") == {
        "name": "containerInsights",
        "value": '${var.container_insights ? "enabled" : "disabled"}',
    }


@pytest.mark.parametrize("env", ENVS)
def test_log_retention(env: str) -> None:
    assert call_of(env, "monitoring").effective("log_retention_days") == SIZING[env]["log_retention_days"]
    assert call_of(env, "aurora-postgresql").effective("log_retention_days") == SIZING[env]["log_retention_days"]


@pytest.mark.parametrize("env", ENVS)
def test_load_balancer_protection_and_access_logs(env: str) -> None:
    load_balancer = call_of(env, "load-balancer")
    expected = SIZING[env]
    assert load_balancer.effective("deletion_protection") is expected["load_balancer_deletion_protection"]
    assert (load_balancer.effective("access_logs_bucket") is not None) is expected["load_balancer_access_logs"]


SAGEMAKER_SIZING = {
    "dev": {"memory_size_in_mb": 2048, "max_concurrency": 8},
    "prod": {"memory_size_in_mb": 3072, "max_concurrency": 12},
}


@pytest.mark.parametrize("env", ENVS)
def test_sagemaker_serverless_memory_and_concurrency(env: str) -> None:
    endpoint = call_of(env, "sagemaker-endpoint")
    for variable, expected in SAGEMAKER_SIZING[env].items():
        assert endpoint.effective(variable) == expected, f"{env}: sagemaker.{variable}"
    # Every ML task's inference consumers (4 each at most, ml max_count tasks) can call at once without throttling.
    assert endpoint.effective("max_concurrency") >= 4 * service_calls(env)["ml"].effective("max_count")
    config = resource(module_dir("sagemaker-endpoint"), "aws_sagemaker_endpoint_configuration", "this")
    serverless = block(block(config, "production_variants"), "serverless_config")
    assert serverless == {"memory_size_in_mb": "${var.memory_size_in_mb}", "max_concurrency": "${var.max_concurrency}"}


@pytest.mark.parametrize("env", ENVS)
def test_operational_paths_hidden_in_prod_only(env: str) -> None:
    assert call_of(env, "load-balancer").effective("internal_paths_hidden") is (env == "prod")
