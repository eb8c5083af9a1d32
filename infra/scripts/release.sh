#!/usr/bin/env bash
# The steps of a release that come after `terraform apply`, shared by the dev and prod jobs of
# .github/workflows/deploy.yml and usable by hand (docs/deploy.md).
#
#   release.sh push-images OUTPUTS IMAGE_TAG       push the loaded images senas-<service>:IMAGE_TAG to ECR
#   release.sh migrate OUTPUTS                     run `senas content migrate` as a one-off ECS task in the
#                                                  private subnets; fail unless it exits 0
#   release.sh roll-out OUTPUTS                    move the services onto their latest task definitions and
#                                                  wait until the rolling update is stable
#   release.sh smoke-test OUTPUTS                  every target healthy, and GET <public_url>/<service>/health
#   release.sh roll-back OUTPUTS SERVICE TASK_DEF  point one service back at an earlier task-definition revision
#
# OUTPUTS is the file written by `terraform output -json` in the environment's folder. Needs the AWS CLI v2,
# jq, curl and (for push-images) docker, with credentials for the environment's account.
set -euo pipefail

SERVICES=(content users ml)

die() {
  echo "release: $*" >&2
  exit 1
}

output() {
  # output OUTPUTS JQ_PATH: one value of the Terraform outputs.
  jq -er ".${2}" <(jq '.[] |= .value' "$1")
}

push_images() {
  local outputs=$1 tag=$2 service repository registry
  registry=$(output "$outputs" 'services.content.repository_url')
  registry=${registry%%/*}
  aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
  for service in "${SERVICES[@]}"; do
    repository=$(output "$outputs" "services.${service}.repository_url")
    # Tags are immutable: a re-run of the same commit finds its images already there.
    if aws ecr describe-images --repository-name "${repository#*/}" --image-ids "imageTag=${tag}" >/dev/null 2>&1; then
      echo "release: ${repository}:${tag} already pushed"
      continue
    fi
    docker tag "senas-${service}:${tag}" "${repository}:${tag}"
    docker push "${repository}:${tag}"
  done
}

migrate() {
  local outputs=$1 cluster task_definition container subnets security_groups started task_arn exit_code
  cluster=$(output "$outputs" 'cluster_name')
  task_definition=$(output "$outputs" 'migration_task.task_definition_arn')
  container=$(output "$outputs" 'migration_task.container_name')
  subnets=$(output "$outputs" 'migration_task.subnet_ids | join(",")')
  security_groups=$(output "$outputs" 'migration_task.security_group_ids | join(",")')

  echo "release: running ${task_definition##*/} in ${cluster}"
  started=$(aws ecs run-task \
    --cluster "$cluster" \
    --launch-type FARGATE \
    --task-definition "$task_definition" \
    --started-by "release-migrate" \
    --network-configuration "awsvpcConfiguration={subnets=[${subnets}],securityGroups=[${security_groups}],assignPublicIp=DISABLED}" \
    --output json)
  if [ "$(jq '.failures | length' <<<"$started")" != "0" ]; then
    die "the migration task did not start: $(jq -c '.failures' <<<"$started")"
  fi
  task_arn=$(jq -r '.tasks[0].taskArn' <<<"$started")

  # The waiter polls for 10 minutes; a migration that needs longer is retried until 30 minutes have passed.
  for _ in 1 2 3; do
    if aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn"; then
      break
    fi
  done
  exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
    --query "tasks[0].containers[?name=='${container}'] | [0].exitCode" --output text)
  if [ "$exit_code" != "0" ]; then
    aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
      --query 'tasks[0].{stoppedReason: stoppedReason, containers: containers[].{name: name, exitCode: exitCode, reason: reason}}' \
      --output json >&2 || true
    die "the migration exited with ${exit_code}; its log is in the content log group under the prefix migrate/"
  fi
  echo "release: migrations applied"
}

roll_out() {
  local outputs=$1 cluster service name task_definition names=() deployment
  cluster=$(output "$outputs" 'cluster_name')
  for service in "${SERVICES[@]}"; do
    name=$(output "$outputs" "services.${service}.service_name")
    task_definition=$(output "$outputs" "services.${service}.task_definition_arn")
    echo "release: ${name} -> ${task_definition##*/}"
    aws ecs update-service --cluster "$cluster" --service "$name" --task-definition "$task_definition" \
      --query 'service.serviceName' --output text >/dev/null
    names+=("$name")
  done

  for _ in 1 2 3; do
    if aws ecs wait services-stable --cluster "$cluster" --services "${names[@]}"; then
      break
    fi
  done

  # "Stable" is also what a circuit-breaker rollback ends in: check that the new revision is the one running.
  for service in "${SERVICES[@]}"; do
    name=$(output "$outputs" "services.${service}.service_name")
    task_definition=$(output "$outputs" "services.${service}.task_definition_arn")
    deployment=$(aws ecs describe-services --cluster "$cluster" --services "$name" \
      --query "services[0].deployments[?status=='PRIMARY'] | [0]" --output json)
    if [ "$(jq -r '.taskDefinition' <<<"$deployment")" != "$task_definition" ] ||
      [ "$(jq -r '.rolloutState' <<<"$deployment")" != "COMPLETED" ]; then
      die "${name} did not settle on ${task_definition##*/}: $(jq -c '{taskDefinition, rolloutState, rolloutStateReason}' <<<"$deployment")"
    fi
  done
  echo "release: all services run their new revision"
}

smoke_test() {
  local outputs=$1 public_url service target_group health unhealthy healthy
  public_url=$(output "$outputs" 'public_url')
  for service in "${SERVICES[@]}"; do
    # The load balancer's own health check is GET /health on every task.
    target_group=$(output "$outputs" "services.${service}.target_group_arn")
    health=$(aws elbv2 describe-target-health --target-group-arn "$target_group" --output json)
    healthy=$(jq '[.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy")] | length' <<<"$health")
    unhealthy=$(jq '[.TargetHealthDescriptions[] | select(.TargetHealth.State != "healthy" and .TargetHealth.State != "draining")] | length' <<<"$health")
    if [ "$healthy" -lt 1 ] || [ "$unhealthy" -gt 0 ]; then
      die "${service}: ${healthy} healthy and ${unhealthy} other targets: $(jq -c '[.TargetHealthDescriptions[].TargetHealth]' <<<"$health")"
    fi
    # Through the load balancer, the path is kept: /<service>/health reaches the service's health route.
    curl --fail --silent --show-error --max-time 10 --retry 5 --retry-delay 5 --retry-all-errors \
      "${public_url}/${service}/health" >/dev/null
    echo "release: ${service} healthy (${healthy} targets, ${public_url}/${service}/health answered)"
  done
}

roll_back() {
  local outputs=$1 service=$2 task_definition=$3 cluster name
  cluster=$(output "$outputs" 'cluster_name')
  name=$(output "$outputs" "services.${service}.service_name")
  aws ecs update-service --cluster "$cluster" --service "$name" --task-definition "$task_definition" \
    --query 'service.serviceName' --output text >/dev/null
  aws ecs wait services-stable --cluster "$cluster" --services "$name"
  echo "release: ${name} runs ${task_definition##*/}"
}

command=${1:-}
case "$command" in
  push-images) [ $# -eq 3 ] || die "usage: release.sh push-images OUTPUTS IMAGE_TAG"; push_images "$2" "$3" ;;
  migrate) [ $# -eq 2 ] || die "usage: release.sh migrate OUTPUTS"; migrate "$2" ;;
  roll-out) [ $# -eq 2 ] || die "usage: release.sh roll-out OUTPUTS"; roll_out "$2" ;;
  smoke-test) [ $# -eq 2 ] || die "usage: release.sh smoke-test OUTPUTS"; smoke_test "$2" ;;
  roll-back) [ $# -eq 4 ] || die "usage: release.sh roll-back OUTPUTS SERVICE TASK_DEFINITION"; roll_back "$2" "$3" "$4" ;;
  *) die "unknown command '${command}'; see the header of this script" ;;
esac
