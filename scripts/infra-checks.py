"""What scripts/test-infra proves about the deployed shape, beyond validity: one check per thing a
deployer would otherwise hit first in a real account (docs/OPERATIONS.md, "First deploy").

    infra-checks.py plan ENV PLAN.json   a terraform plan (terraform show -json), against moto
    infra-checks.py hcl TERRAFORM_DIR    lifecycle rules the plan JSON does not carry (python-hcl2)
    infra-checks.py manifests EDGE.yaml  the rendered edge/k8s manifests

Each failure names what is wrong; the run prints one line per check that held.
"""

import json
import sys


def fail(message):
    sys.exit(f"infra check failed: {message}")


def ok(message):
    print(f"ok  {message}")


# --- terraform plan ---


def statements(config, address):
    """The statements of an aws_iam_policy_document data source, as written."""
    doc = config.get(address)
    if doc is None:
        fail(f"{address} is not in the configuration")
    out = []
    for st in doc["expressions"].get("statement", []):
        actions = st.get("actions", {}).get("constant_value", [])
        refs = st.get("resources", {}).get("references", [])
        out.append((actions, refs))
    return out


def plan_checks(env, plan_file):
    plan = json.load(open(plan_file))
    planned = {r["address"]: r.get("values", {}) for r in plan["planned_values"]["root_module"]["resources"]}
    config = {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}
    variables = {k: v["value"] for k, v in plan["variables"].items()}

    # 1. The deploy can reach the Kubernetes API.
    vpc = planned["aws_eks_cluster.main"]["vpc_config"][0]
    cidrs = variables["eks_public_access_cidrs"]
    if cidrs:
        if not vpc["endpoint_public_access"] or "0.0.0.0/0" in vpc["public_access_cidrs"]:
            fail(f"{env}: a public API endpoint must be limited to eks_public_access_cidrs")
        ok(f"{env} [1 access]: public API endpoint limited to {', '.join(vpc['public_access_cidrs'])}")
    else:
        if vpc["endpoint_public_access"]:
            fail(f"{env}: no CIDRs given but the API endpoint is public")
    runner = config.get("aws_codebuild_project.deploy_runner")
    if runner is None:
        fail(f"{env}: no deploy runner (aws_codebuild_project.deploy_runner)")
    runner_vpc = runner["expressions"]["vpc_config"][0]
    if runner_vpc["subnets"]["references"] != ["aws_subnet.private"]:
        fail(f"{env}: the deploy runner must run in the private subnets")
    if "aws_eks_access_entry.deploy_runner" not in planned:
        fail(f"{env}: the deploy runner's role has no EKS access entry")
    ingress = config["aws_vpc_security_group_ingress_rule.cluster_api_from_deploy_runner"]["expressions"]
    if ingress["from_port"]["constant_value"] != 443 or "aws_security_group.deploy_runner.id" not in ingress["referenced_security_group_id"]["references"]:
        fail(f"{env}: the cluster API must accept 443 from the deploy runner's security group")
    if planned["aws_codebuild_project.deploy_runner"]["environment"][0]["privileged_mode"]:
        fail(f"{env}: the deploy runner must not be privileged")
    ok(f"{env} [1 access]: private API endpoint={vpc['endpoint_private_access']}, deploy runner in the private subnets with an EKS access entry and 443 to the API")

    # 2. Database credentials that rotate: IAM authentication, no URL secret, TLS forced.
    cluster = planned["aws_rds_cluster.main"]
    if not cluster["iam_database_authentication_enabled"]:
        fail(f"{env}: IAM database authentication is off")
    secrets = [a for a in planned if a.startswith("aws_secretsmanager_secret.app[")]
    if any("database-url" in a for a in secrets):
        fail(f"{env}: a database-url secret exists; the services log in with IAM tokens")
    params = {p["name"]: p["value"] for p in planned["aws_rds_cluster_parameter_group.aurora"]["parameter"]}
    if params.get("rds.force_ssl") != "1":
        fail(f"{env}: rds.force_ssl must be 1")
    for doc, user in (("data.aws_iam_policy_document.edge", "app"), ("data.aws_iam_policy_document.migrate", "migration")):
        connects = [refs for actions, refs in statements(config, doc) if actions == ["rds-db:connect"]]
        if len(connects) != 1 or not any(f'local.database_user_arn["{user}"]' in r for r in connects[0]):
            fail(f"{doc} must allow rds-db:connect as the {user} role only")
    migrate_reads = [refs for actions, refs in statements(config, "data.aws_iam_policy_document.migrate") if actions == ["secretsmanager:GetSecretValue"]]
    edge_reads = [r for actions, refs in statements(config, "data.aws_iam_policy_document.edge") if "secretsmanager:GetSecretValue" in actions for r in refs]
    if not migrate_reads or any("master_user_secret" in r for r in edge_reads):
        fail(f"{env}: only the migration Job may read the master secret")
    ok(f"{env} [2 credentials]: IAM database auth on, force_ssl=1, no database-url secret; edge connects as the app role, the migration Job as the migration role and alone reads the master secret")

    # 3. The HPA scales on a metric that exists: metrics-server is installed.
    if 'aws_eks_addon.on_nodes["metrics-server"]' not in planned:
        fail(f"{env}: the metrics-server add-on (the HPA's CPU metric) is not installed")
    ok(f"{env} [3 autoscaling]: metrics-server add-on installed (the HPA's resource metrics)")

    # 8. Redis RBAC, internal ALB behind Global Accelerator.
    group = planned["aws_elasticache_replication_group.redis"]
    if not group["transit_encryption_enabled"] or "aws_elasticache_user_group.services" not in json.dumps(config["aws_elasticache_replication_group.redis"]["expressions"]["user_group_ids"]):
        fail(f"{env}: ElastiCache must use TLS and the services' RBAC user group")
    default_user = planned["aws_elasticache_user.default"]
    if default_user["user_name"] != "default" or not default_user["access_string"].startswith("off"):
        fail(f"{env}: the ElastiCache default user must be switched off")
    services_user = planned["aws_elasticache_user.services"]
    if "-@dangerous" not in services_user["access_string"] or services_user["authentication_mode"][0]["type"] != "password":
        fail(f"{env}: the services' ElastiCache user must log in with a password and lack dangerous commands")
    if not planned["aws_lb.main"]["internal"]:
        fail(f"{env}: the ALB must be internal (reachable only through Global Accelerator)")
    if "aws_lb.main.arn" not in config["aws_globalaccelerator_endpoint_group.main"]["expressions"]["endpoint_configuration"][0]["endpoint_id"]["references"]:
        fail(f"{env}: Global Accelerator must front the ALB")
    ok(f"{env} [8 hardening]: ElastiCache RBAC (default user off, services' user without dangerous commands), internal ALB behind Global Accelerator")


def hcl_checks(directory):
    import glob

    import hcl2  # comes with checkov, in the venv scripts/test-infra makes

    resources = {}
    for path in sorted(glob.glob(f"{directory}/*.tf")):
        with open(path) as f:
            for block in hcl2.load(f).get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        resources[f"{rtype}.{name}"] = body
    for address in ("aws_rds_cluster.main", "aws_rds_cluster_instance.main"):
        lifecycle = (resources[address].get("lifecycle") or [{}])[0]
        ignored = json.dumps(lifecycle.get("ignore_changes", []))
        if "engine_version" not in ignored:
            fail(f"{address} must ignore engine_version (RDS's automatic minor upgrades would be planned back)")
    # python-hcl2 gives attribute values as written or wrapped in a list, by version.
    if resources["aws_rds_cluster.main"].get("allow_major_version_upgrade") not in (False, [False]):
        fail("aws_rds_cluster.main: a major upgrade must be deliberate (allow_major_version_upgrade = false)")
    ok("[8 hardening]: Aurora's engine version survives automatic minor upgrades (ignore_changes), majors are deliberate")


# --- rendered manifests ---


def manifests_checks(path):
    import yaml

    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}

    # 3. The HPA uses only resource metrics, which metrics-server serves.
    hpa = by[("HorizontalPodAutoscaler", "whoosh-edge")]
    kinds = {m["type"] for m in hpa["spec"]["metrics"]}
    if kinds != {"Resource"}:
        fail(f"the edge HPA reads {sorted(kinds)} metrics; no adapter serves anything but Resource metrics")
    ok(f"[3 autoscaling]: the edge HPA scales on {', '.join(m['resource']['name'] for m in hpa['spec']['metrics'])} (metrics-server)")

    edge = by[("Deployment", "whoosh-edge")]["spec"]["template"]["spec"]
    container = edge["containers"][0]
    config = by[("ConfigMap", next(n for k, n in by if k == "ConfigMap" and n.startswith("whoosh-edge-config")))]["data"]

    # 4. Readiness is this pod's own: the probe is /readyz, liveness /healthz.
    if container["readinessProbe"]["httpGet"]["path"] != "/readyz" or container["livenessProbe"]["httpGet"]["path"] != "/healthz":
        fail("the edge must probe readiness on /readyz and liveness on /healthz")
    ok("[4 readiness]: edge readiness /readyz (draining, at capacity), liveness /healthz")

    # 5. The file outbox is on a mounted volume, not the read-only root.
    outbox = next((e["value"] for e in container.get("env", []) if e["name"] == "EDGE_OUTBOX_DIR"), config.get("EDGE_OUTBOX_DIR"))
    if not outbox:
        fail("EDGE_OUTBOX_DIR is not set for the edge")
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    mount = next((p for p in mounts if outbox == p or outbox.startswith(p.rstrip("/") + "/")), None)
    if mount is None:
        fail(f"EDGE_OUTBOX_DIR={outbox} is on the read-only root filesystem: mount a volume there")
    volume = next(v for v in edge["volumes"] if v["name"] == mounts[mount])
    if "emptyDir" not in volume or "sizeLimit" not in volume["emptyDir"]:
        fail(f"the outbox volume {volume['name']} must be an emptyDir with a sizeLimit")
    ok(f"[5 outbox]: EDGE_OUTBOX_DIR={outbox} on the emptyDir {volume['name']} (sizeLimit {volume['emptyDir']['sizeLimit']})")

    # 2. No database password in the cluster: no Secret, IAM tokens, verified TLS.
    for kind, name in by:
        if kind == "Secret":
            fail(f"Secret {name} in the edge manifests: the services need no database password")
    for key in ("DATABASE_URL", "DATABASE_AUTH"):
        if any(e.get("name") == key and "valueFrom" in e for e in container.get("env", [])):
            fail(f"{key} must come from the ConfigMap, not a Secret")
    if config.get("DATABASE_AUTH") != "iam":
        fail("the edge must log in with IAM tokens (DATABASE_AUTH=iam)")
    ok("[2 credentials]: the edge logs in with IAM tokens (DATABASE_AUTH=iam); no Secret holds a password")


def main():
    match sys.argv[1:]:
        case ["plan", env, plan_file]:
            plan_checks(env, plan_file)
        case ["hcl", directory]:
            hcl_checks(directory)
        case ["manifests", path]:
            manifests_checks(path)
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main()
