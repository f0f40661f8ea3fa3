"""The command line: accounts, tokens, demo data, and clear errors with a non-zero exit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tracelabel.cli import COMMANDS
from tracelabel.models import AuditEntry, Batch, Organization, User


def test_orgs_create_prints_the_new_id(runner, session):
    result = runner.invoke(args=["orgs", "create", "HTX Nông sản Đồng Tháp", "--kind",
                                 "cooperative", "--province", "Đồng Tháp"])
    assert result.exit_code == 0, result.output
    organization = session.get(Organization, int(result.output.strip()))
    assert organization.name == "HTX Nông sản Đồng Tháp"


def test_users_and_tokens_from_the_cli_work_against_the_api(runner, client, make):
    organization = make.organization()
    result = runner.invoke(args=["users", "create", "Chu.Nhiem@htx.vn", "--role", "producer",
                                 "--org", str(organization.id), "--password-stdin"],
                           input="một mật khẩu dài\n")
    assert result.exit_code == 0, result.output
    assert "chu.nhiem@htx.vn" in result.output
    token = runner.invoke(args=["tokens", "create", "chu.nhiem@htx.vn", "--name", "ERP"])
    assert token.exit_code == 0, token.output
    plain = token.output.strip()
    assert plain.startswith("tlk_")
    response = client.get("/api/v1/products", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200


def test_password_prompt_is_confirmed(runner, session):
    result = runner.invoke(args=["users", "create", "thanhtra@sonn.vn", "--role", "inspector"],
                           input="mật khẩu thanh tra\nmật khẩu thanh tra\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User).where(User.email == "thanhtra@sonn.vn")).role == "inspector"


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["users", "create", "not-an-email", "--role", "admin", "--password-stdin"], "long password 1\n",
     "email"),
    (["users", "create", "a@b.vn", "--role", "producer", "--password-stdin"], "long password 1\n",
     "organization"),
    (["users", "create", "a@b.vn", "--role", "admin", "--password-stdin"], "short\n", "password"),
    (["users", "create", "a@b.vn", "--role", "admin", "--org", "99", "--password-stdin"],
     "long password 1\n", "organization"),
    (["tokens", "create", "nobody@nowhere.vn"], "", "No account"),
    (["orgs", "create", "   "], "", "name"),
])
def test_bad_input_is_a_message_and_non_zero_exit(runner, session, args, stdin, message):
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_unknown_role_is_refused_by_the_parser(runner):
    result = runner.invoke(args=["users", "create", "a@b.vn", "--role", "king"])
    assert result.exit_code == 2
    assert "king" in result.output


def test_seed_demo_is_idempotent_and_keeps_vietnamese(runner, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (session.scalar(select(func.count()).select_from(Organization)),
              session.scalar(select(func.count()).select_from(Batch)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    session.expire_all()
    assert counts == (session.scalar(select(func.count()).select_from(Organization)),
                      session.scalar(select(func.count()).select_from(Batch)))
    assert counts[0] == 4
    assert first.output == second.output
    for name in ("Miến dong Bình Liêu", "Nước mắm Cái Rồng", "Sâm Ngọc Linh", "Bánh dừa nướng Quý Thu"):
        assert name in first.output
    assert "đã thu hồi / recalled" in first.output
    statuses = session.scalars(select(Batch.status)).all()
    assert statuses.count("recalled") == 1
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_demo_logins_work(runner, client, session):
    output = runner.invoke(args=["seed-demo"]).output
    line = next(line for line in output.splitlines() if "binhlieu@" in line)
    email, password = line.split()[1], line.split()[-1]
    from tracelabel.services.accounts import authenticate_user

    assert authenticate_user(session, email, password) is not None
    assert authenticate_user(session, email, password + "x") is None


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
