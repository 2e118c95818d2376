"""The console in a real Chromium: credentials by their labels, Verify, a sample, a flow run once, errors
next to their field, Connect with Amazon. Every test's responses are scanned for secrets (conftest)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from .console_support import secrets_of, shot

START = "2020-01-01T00:00:00Z"


MWS_LABELS = {"Seller ID": "sellerId", "MWS Auth Token": "mwsAuthToken", "AWS Access Key ID (MWS)": "accessKeyId",
              "Secret Key (MWS)": "secretKey", "Endpoint": "endpoint"}
SP_API_LABELS = {"Seller ID": "sellerId", "Endpoint": "endpoint", "LWA Client ID (SP-API)": "lwaClientId",
                 "LWA Client Secret (SP-API)": "lwaClientSecret", "LWA Token URL (SP-API)": "lwaTokenUrl"}


def fill_credentials(page, backend: str, creds: dict[str, str], labels: dict[str, str]) -> None:
    """The credentials form, field by field as a person fills it: by each field's label."""
    page.get_by_label("Amazon API").select_option(backend)
    page.get_by_label("Marketplace").select_option(creds["marketplaceId"])
    for label, key in labels.items():
        page.get_by_label(label).fill(creds[key])


def fill_mws(page, creds: dict[str, str], **override: str) -> None:
    fill_credentials(page, "mws", {**creds, **override}, MWS_LABELS)


def verify(page) -> None:
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#credentials .notice, #credentials .problem, #credentials .error:not(:empty)")
           .first).to_be_visible()


def configure_trigger(page, console_url: str, **fields: str) -> None:
    """Set the trigger's fields; each change saves them (a field already at its value sends nothing)."""
    page.goto(f"{console_url}/step")
    page.get_by_label("Trigger or action").select_option("getNewAndUpdatedOrders")
    page.get_by_label("Order Status").select_option(["Unshipped", "PartiallyShipped", "Shipped"])
    for label, value in {"Start Time": START, "Maximum Orders per Page": "", **fields}.items():
        page.get_by_label(label).fill(value)
        page.get_by_label(label).press("Tab")
    page.wait_for_load_state("networkidle")


def test_credentials_verify_then_sample_shows_orders(page, sandbox):
    console = page.console
    expect(page.get_by_role("heading", name="Credentials")).to_be_visible()
    expect(page.get_by_label("LWA Client ID (SP-API)")).to_be_hidden()  # only the chosen backend's fields
    fill_mws(page, sandbox.credentials)
    verify(page)
    expect(page.locator("#credentials .notice")).to_have_text(re.compile("Verified"))
    expect(page.locator("[data-secret-state=secretKey]")).to_have_text("set")
    shot(page, "credentials")

    configure_trigger(page, console.url)
    sandbox.reset_log()
    page.get_by_role("button", name="Retrieve sample").click()
    rows = page.locator("table.orders tbody tr")
    expect(rows.first).to_be_visible()
    shown = set(page.locator("table.orders tbody tr td:first-child").all_inner_texts())
    wanted = {o["AmazonOrderId"] for o in sandbox.orders.values()
              if o["OrderStatus"] in ("Unshipped", "PartiallyShipped", "Shipped")}
    assert shown and shown <= wanted
    calls = [r["action"] for r in sandbox.requests]
    assert calls == ["ListOrders"], calls  # a sample is one request
    shot(page, "sample")

    out = page.locator("#metadata summary", has_text="out:")
    expect(out).to_have_text("out: Orders")
    page.get_by_label("Output Format").select_option("spree")  # dynamic metadata follows the field
    expect(out).to_have_text("out: Orders (Spree hub shape)")
    page.get_by_label("Output Format").select_option("amazon")
    expect(out).to_have_text("out: Orders")


def test_broken_fields_show_their_error_next_to_them(page, sandbox):
    console = page.console
    fill_mws(page, sandbox.credentials, secretKey="not-the-sandbox-secret-key-00")
    verify(page)
    expect(page.locator("[data-field=secretKey] .error")).to_contain_text("Amazon refused it")
    expect(page.locator("[data-field=sellerId] .error")).to_be_empty()
    shot(page, "credentials-error")
    fill_mws(page, sandbox.credentials)
    verify(page)
    expect(page.locator("[data-field=secretKey] .error")).to_be_empty()

    configure_trigger(page, console.url, **{"Maximum Orders per Page": "500"})
    page.get_by_role("button", name="Retrieve sample").click()
    expect(page.locator("#error-maxResultsPerPage")).to_contain_text("between 1 and 100")
    expect(page.locator("table.orders")).to_have_count(0)


def test_actions_run_and_a_feed_sample_sends_nothing(page, sandbox):
    console = page.console
    fill_mws(page, sandbox.credentials)
    verify(page)
    order_id = next(iter(sandbox.orders))
    page.goto(f"{console.url}/step?name=getOrder")
    page.wait_for_function("window.consoleEditor && window.consoleEditor.ready")
    page.evaluate("id => window.consoleEditor.setValue({amazonOrderIds: [id]})", order_id)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("table.orders tbody tr td:first-child")).to_have_text([order_id])

    feeds_before = len(sandbox.feeds)
    page.goto(f"{console.url}/step?name=updateItem")
    page.wait_for_function("window.consoleEditor && window.consoleEditor.ready")
    page.evaluate("() => window.consoleEditor.setValue({messages: [{SKU: 'SKU-CONSOLE-1', Quantity: 7}]})")
    page.get_by_role("button", name="Build feed (sends nothing)").click()
    feed = page.locator("pre.feed")
    expect(feed).to_contain_text("<SKU>SKU-CONSOLE-1</SKU>", timeout=60_000)  # the first feed compiles the XSDs
    expect(feed).to_contain_text("<Quantity>7</Quantity>")
    assert len(sandbox.feeds) == feeds_before  # built and validated, not submitted
    shot(page, "feed-sample")


def test_select_lists_load_live_and_metadata_follows_them(page, sandbox):
    """Submit Product's Category is a select model (a function): its options come from the console as the
    page loads, and picking one derives the input form from that category's XSD."""
    page.goto(f"{page.console.url}/step?name=submitProduct")
    category = page.get_by_label("Category")
    expect(category.locator("option[value=Toys]")).to_have_count(1, timeout=60_000)  # read from the XSDs
    with page.expect_response(re.compile(r"/metadata$"), timeout=60_000):
        category.select_option("Toys")
    expect(page.locator("#metadata summary", has_text="in:")).to_have_text("in: Submit Product: Toys & Games")
    page.wait_for_function("window.consoleEditor && window.consoleEditor.ready")
    expect(page.locator("#input-editor")).to_contain_text("Toys")


def test_build_a_flow_and_run_it_once(page, sandbox):
    console = page.console
    fill_mws(page, sandbox.credentials)
    verify(page)
    configure_trigger(page, console.url)
    page.goto(f"{console.url}/flow")
    page.get_by_label("Name").fill("orders-with-items")
    with page.expect_response(re.compile(r"/flow$"), timeout=120_000):  # first render compiles the schemas
        page.get_by_label("Add an action").select_option("listOrderItems")
    mapping = page.get_by_label("map amazonOrderId from")
    expect(mapping.locator("option", has_text="orders[*].AmazonOrderId")).to_have_count(1)
    with page.expect_response(re.compile(r"/flow$"), timeout=120_000):
        mapping.select_option("orders[*].AmazonOrderId")
    shot(page, "flow")
    with page.expect_navigation(url=re.compile(r"/runs/\w+$")):
        page.get_by_role("button", name="Run once").click()
    assert page.locator("#run-status").inner_text() == "ok", page.locator("ul.errors").all_inner_texts()
    messages = [json.loads(line) for line in page.locator("#run-messages").inner_text().splitlines() if line]
    ordered = {o["AmazonOrderId"] for o in sandbox.orders.values()
               if o["OrderStatus"] in ("Unshipped", "PartiallyShipped", "Shipped")}
    assert {m["body"]["amazonOrderId"] for m in messages} == ordered  # one listOrderItems per order
    assert all("orderItems" in m["body"] for m in messages)
    expect(page.locator("#run-log")).to_contain_text("amazon_mws")
    shot(page, "run")

    flow_file = (console.workdir / "flows" / "orders-with-items.flow.json").read_text()
    assert json.loads(flow_file)["steps"][1]["map"] == {"amazonOrderId": "orders[*].AmazonOrderId"}
    page.goto(f"{console.url}/runs")
    row = page.locator("table.runs tbody tr").first
    expect(row).to_contain_text("orders-with-items")
    expect(row.locator("td").nth(2)).to_have_text("ok")
    expect(row.locator("td").nth(5)).to_have_text(re.compile(r"^\d{4}-\d\d-\d\dT"))  # the trigger's cursor
    shot(page, "runs")
    for secret in secrets_of(sandbox.credentials):
        assert secret not in flow_file
        assert secret not in (console.workdir / "runs.jsonl").read_text()


def test_a_choice_made_while_the_flow_form_settles_is_not_lost(page, sandbox):
    """htmx wires up swapped-in elements only when they settle; on a busy machine that is late, and a choice
    made before then must still post (CI once waited 120 s for a POST that never went)."""
    console = page.console
    page.goto(f"{console.url}/flow")
    page.evaluate("htmx.config.defaultSettleDelay = 3000")  # a very busy machine
    with page.expect_response(re.compile(r"/flow$"), timeout=120_000):
        page.get_by_label("Add an action").select_option("listOrderItems")
    mapping = page.get_by_label("map amazonOrderId from")
    with page.expect_response(re.compile(r"/flow$"), timeout=10_000):  # at once: the answer is still settling
        mapping.select_option("orders[*].AmazonOrderId")
    expect(mapping).to_have_value("orders[*].AmazonOrderId")
    with page.expect_response(re.compile(r"/flow$"), timeout=10_000):
        page.get_by_role("button", name="Remove").click()
    expect(page.get_by_label("map amazonOrderId from")).to_have_count(0)


def test_connect_with_amazon_stores_the_refresh_token(page, sandbox):
    console = page.console
    sp = sandbox.sp_credentials
    fill_credentials(page, "sp-api", sp, SP_API_LABELS)
    expect(page.get_by_label("AWS Access Key ID (MWS)")).to_be_hidden()
    if page.locator("[data-secret-state=refreshToken]").inner_text() == "set":
        page.locator("input[name=clear-refreshToken]").check()
    page.get_by_label("Application ID").fill(sandbox.sp.auth.application_id)
    page.get_by_label("Seller Central URL").fill(sandbox.endpoint)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-secret-state=refreshToken]")).to_have_text("not set")
    shot(page, "credentials-sp-api")

    page.get_by_role("link", name="Connect with Amazon").click()
    expect(page.get_by_role("heading", name="Seller Central (sandbox)")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#credentials .notice")).to_have_text(re.compile("Connected"))
    expect(page.locator("[data-secret-state=refreshToken]")).to_have_text("set")
    verify(page)
    expect(page.locator("#credentials .notice")).to_have_text(re.compile("Verified"))
    stored = json.loads((console.workdir / "credentials.json").read_text())
    assert stored["refreshToken"] == sandbox.sp.creds["refreshToken"]
