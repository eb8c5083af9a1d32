#!/usr/bin/env bash
# The steps of a release around `terraform apply`, shared by the dev and prod jobs of
# .github/workflows/deploy.yml and usable by hand (docs/deploy.md). In order:
#
#   release.sh bootstrap-registry ENV_DIR          create the ECR repositories (and the key encrypting them)
#                                                  with a targeted apply, so images exist before anything runs
#                                                  them; a no-op once they exist. Needs the TF_VAR_* inputs.
#   release.sh push-images NAME_PREFIX IMAGE_TAG   push the loaded images senas-<target>:IMAGE_TAG to the
#                                                  repositories <NAME_PREFIX>/<image> (before the full apply:
#                                                  the SageMaker model and the services reference them)
#   (terraform apply)
#   release.sh migrate OUTPUTS                     run `senas content migrate --grant-app-role` as a one-off
#                                                  ECS task in the private subnets; fail unless it exits 0
#   release.sh roll-out OUTPUTS                    move every service onto its latest task definition (a forced
#                                                  new deployment when the revision is unchanged) and wait until
#                                                  each deployment's rolloutState is COMPLETED
#   release.sh smoke-test OUTPUTS                  every target healthy, GET <public_url>/<service>/health, and the web
#                                                  app's page at <public_url>/
#   release.sh roll-back OUTPUTS SERVICE TASK_DEF  point one service back at an earlier task-definition revision
#
# OUTPUTS is the file written by `terraform output -json` in the environment's folder. Needs the AWS CLI v2,
# jq, curl, terraform (bootstrap-registry) and docker (push-images), with credentials for the account.
set -euo pipefail

SERVICES=(content users ml)
# Image target of infra/docker/Dockerfile -> its ECR repository (modules/ecr-repositories).
declare -A IMAGE_REPOSITORIES=([content]=content-service [users]=user-service [ml]=ml-service [sagemaker]=ml-sagemaker)
# How long roll-out waits for the services' deployments to settle.
ROLL_OUT_TIMEOUT_SECONDS=${ROLL_OUT_TIMEOUT_SECONDS:-1800}

die() {
  echo "release: $*" >&2
  exit 1
}

output() {
  # output OUTPUTS JQ_PATH: one value of the Terraform outputs.
  jq -er ".${2}" <(jq '.[] |= .value' "$1")
}

bootstrap_registry() {
  local env_dir=$1
  # Only the repositories and what they depend on (the environment's KMS key): Terraform warns that a targeted
  # apply is partial, which is the point here. The full apply follows once the images are pushed.
  terraform -chdir="$env_dir" apply -input=false -auto-approve -target=module.container_registry
}

push_images() {
  local prefix=$1 tag=$2 target repository uri registry=""
  for target in "${!IMAGE_REPOSITORIES[@]}"; do
    repository="${prefix}/${IMAGE_REPOSITORIES[$target]}"
    uri=$(aws ecr describe-repositories --repository-names "$repository" \
      --query 'repositories[0].repositoryUri' --output text) ||
      die "no ECR repository ${repository}: run bootstrap-registry first"
    if [ -z "$registry" ]; then
      registry=${uri%%/*}
      aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
    fi
    # Tags are immutable: a re-run of the same commit finds its images already there.
    if aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=${tag}" >/dev/null 2>&1; then
      echo "release: ${uri}:${tag} already pushed"
      continue
    fi
    docker tag "senas-${target}:${tag}" "${uri}:${tag}"
    docker push "${uri}:${tag}"
  done
}

migrate() {
  local outputs=$1 cluster task_definition container subnets security_groups started task_arn exit_code
  cluster=$(output "$outputs" 'cluster_name')
  task_definition=$(output "$outputs" 'migration_task.task_definition_arn')
  container=$(output "$outputs" 'migration_task.container_name')
  subnets=$(output "$outputs" 'migration_task.subnet_ids | join(",")')
  security_groups=$(output "$outputs" 'migration_task.security_group_ids | join(",")')

  echo "release: running ${task_definition##*/} (schema upgrade, app role) in ${cluster}"
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
  local outputs=$1 cluster service name task_definition current deadline pending deployment state
  cluster=$(output "$outputs" 'cluster_name')
  for service in "${SERVICES[@]}"; do
    name=$(output "$outputs" "services.${service}.service_name")
    task_definition=$(output "$outputs" "services.${service}.task_definition_arn")
    current=$(aws ecs describe-services --cluster "$cluster" --services "$name" \
      --query 'services[0].taskDefinition' --output text)
    if [ "$current" = "$task_definition" ]; then
      # Same revision (a re-run, only the database changed, or the first deployment the circuit breaker failed
      # before the migration created the app role): only a forced deployment starts new tasks.
      echo "release: ${name} already on ${task_definition##*/}: forcing a new deployment"
      aws ecs update-service --cluster "$cluster" --service "$name" --force-new-deployment \
        --query 'service.serviceName' --output text >/dev/null
    else
      echo "release: ${name} -> ${task_definition##*/}"
      aws ecs update-service --cluster "$cluster" --service "$name" --task-definition "$task_definition" \
        --query 'service.serviceName' --output text >/dev/null
    fi
  done

  # Wait for each service's PRIMARY deployment to settle: COMPLETED on the new revision, or FAILED (the
  # circuit breaker rolled it back). "services-stable" alone is also what a rollback ends in.
  deadline=$(($(date +%s) + ROLL_OUT_TIMEOUT_SECONDS))
  while :; do
    pending=()
    for service in "${SERVICES[@]}"; do
      name=$(output "$outputs" "services.${service}.service_name")
      task_definition=$(output "$outputs" "services.${service}.task_definition_arn")
      deployment=$(aws ecs describe-services --cluster "$cluster" --services "$name" \
        --query "services[0].deployments[?status=='PRIMARY'] | [0]" --output json)
      state=$(jq -r '.rolloutState' <<<"$deployment")
      case "$state" in
        COMPLETED)
          if [ "$(jq -r '.taskDefinition' <<<"$deployment")" != "$task_definition" ]; then
            die "${name} settled on $(jq -r '.taskDefinition' <<<"$deployment"), not ${task_definition##*/} (rolled back)"
          fi
          ;;
        FAILED) die "${name}: deployment failed: $(jq -c '{taskDefinition, rolloutStateReason}' <<<"$deployment")" ;;
        *) pending+=("${name} (${state})") ;;
      esac
    done
    if [ ${#pending[@]} -eq 0 ]; then
      break
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "not settled after ${ROLL_OUT_TIMEOUT_SECONDS} s: ${pending[*]}"
    fi
    echo "release: waiting for ${pending[*]}"
    sleep 15
  done
  echo "release: all services run their new revision (rolloutState COMPLETED)"
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
  # The learner web app, at the site's address (the user service serves it: the listener's default action).
  local page
  page=$(curl --fail --silent --show-error --max-time 10 --retry 5 --retry-delay 5 --retry-all-errors \
    --output /dev/null --write-out '%{content_type}' "${public_url}/")
  [[ $page == text/html* ]] || die "${public_url}/ answered ${page:-nothing}, not the web app's page"
  echo "release: the web app answers at ${public_url}/"
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
  bootstrap-registry) [ $# -eq 2 ] || die "usage: release.sh bootstrap-registry ENV_DIR"; bootstrap_registry "$2" ;;
  push-images) [ $# -eq 3 ] || die "usage: release.sh push-images NAME_PREFIX IMAGE_TAG"; push_images "$2" "$3" ;;
  migrate) [ $# -eq 2 ] || die "usage: release.sh migrate OUTPUTS"; migrate "$2" ;;
  roll-out) [ $# -eq 2 ] || die "usage: release.sh roll-out OUTPUTS"; roll_out "$2" ;;
  smoke-test) [ $# -eq 2 ] || die "usage: release.sh smoke-test OUTPUTS"; smoke_test "$2" ;;
  roll-back) [ $# -eq 4 ] || die "usage: release.sh roll-back OUTPUTS SERVICE TASK_DEFINITION"; roll_back "$2" "$3" "$4" ;;
  *) die "unknown command '${command}'; see the header of this script" ;;
esac
