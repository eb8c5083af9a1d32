resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:Container Insights is switched per environment by container_insights (on in prod, off in dev to save cost).
  name = var.name_prefix

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}
