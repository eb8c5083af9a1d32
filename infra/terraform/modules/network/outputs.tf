output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "availability_zone_filters" {
  description = "The filters the zones are chosen with (regular, opt-in-free availability zones only)."
  value       = { for item in data.aws_availability_zones.available.filter : item.name => sort(tolist(item.values)) }
}

output "vpc_cidr_block" {
  description = "Address range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Zones the subnets are spread over."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (load balancer, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (ECS tasks, one-off tasks, bastion)."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Database subnets (Aurora), without a route to the internet."
  value       = aws_subnet.database[*].id
}

output "public_subnet_cidr_blocks" {
  description = "Address ranges of the public subnets: where the load balancer's nodes are (SENAS_TRUSTED_PROXIES)."
  value       = aws_subnet.public[*].cidr_block
}

output "database_subnet_cidr_blocks" {
  description = "Address ranges of the database subnets, for egress rules towards PostgreSQL."
  value       = aws_subnet.database[*].cidr_block
}

output "nat_gateway_ids" {
  description = "Ids of the NAT gateways."
  value       = aws_nat_gateway.this[*].id
}
