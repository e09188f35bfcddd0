// The button's JavaScript (server/static/js/ribbon.js) under node, against a small Office.js
// stand-in: run with `node --test tests/js/` (node's built-in test runner, nothing to install).
//
// The stand-in keeps Office.js's one rule that matters here: a property can only be read after
// load() and context.sync(). With PE_BOOK_FIXTURE (a JSON workbook written by tests/test_server.py)
// one more test clicks on that workbook and writes the request it sent to PE_REQUEST_OUT, which
// the Python test then sends to the real server.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const SOURCE = fs.readFileSync(
  path.join(__dirname, "..", "..", "server", "static", "js", "ribbon.js"),
  "utf8",
);

class NotLoaded extends Error {}

// An Office.js proxy object: properties readable after load(names) and a sync().
function proxy(context, values) {
  const loaded = new Set();
  const pending = new Set();
  const obj = {
    load(spec) {
      for (const name of String(spec).split(",")) pending.add(name.trim().split("/")[0]);
      context._pending.add(() => {
        pending.forEach((n) => loaded.add(n));
        pending.clear();
      });
      return obj;
    },
  };
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(obj, name, {
      get() {
        if (!loaded.has(name) && name !== "isNullObject") {
          throw new NotLoaded(`PropertyNotLoaded: ${name}`);
        }
        return value;
      },
    });
  }
  return obj;
}

function workbookStandIn(sheets) {
  const context = { _pending: new Set(), syncs: 0 };
  context.sync = async () => {
    context.syncs += 1;
    context._pending.forEach((f) => f());
    context._pending.clear();
  };
  const items = sheets.map((s) => {
    const sheet = {
      name: s.name,
      getUsedRangeOrNullObject(valuesOnly) {
        assert.equal(valuesOnly, true, "values-only used range, as xlwings reads it");
        if (!s.used) return { isNullObject: true, load() { return this; } };
        const [rowIndex, columnIndex, rowCount, columnCount] = s.used;
        const r = proxy(context, { rowIndex, columnIndex, rowCount, columnCount, isNullObject: false });
        return r;
      },
      getRangeByIndexes(row, col, nrows, ncols) {
        const [r0, c0] = s.used;
        const formulas = s.formulas
          .slice(row - r0, row - r0 + nrows)
          .map((cells) => cells.slice(col - c0, col - c0 + ncols));
        return proxy(context, { formulas });
      },
    };
    return sheet;
  });
  const worksheets = proxy(context, { items });
  context.workbook = { worksheets };
  return context;
}

// Runs ribbon.js in a fresh global with the stand-ins; returns what it did.
function load({ sheets, respond, runActionsFails = false, bookData = null, pane = null }) {
  const context = workbookStandIn(sheets);
  const seen = { requests: [], runActions: [], completed: 0, associated: {}, bookDataCalls: 0 };
  const sandbox = {
    console: { error() {}, log() {} },
    setTimeout,
    clearTimeout,
    AbortController,
    JSON,
    Promise,
    Math,
    String,
    Object,
    Array,
    Error,
    encodeURIComponent,
    window: { location: { origin: "https://pe.example.gov.cn" } },
    document: {
      getElementById: (id) =>
        id === "config"
          ? { textContent: JSON.stringify({ appPath: "", requestTimeout: 60 }) }
          : id === "pe-findings"
            ? pane
            : null,
      addEventListener() {},
    },
    Office: { actions: { associate: (name, fn) => (seen.associated[name] = fn) } },
    Excel: { run: async (batch) => batch(context) },
    getAuth: async () => ({ token: "Bearer sso-token", provider: "" }),
    xlwings: {
      async getBookData(options, ctx) {
        assert.equal(ctx, context);
        seen.bookDataCalls += 1;
        // As xlwings' reader does: the headers object gets Authorization and Content-Type.
        if (options.auth) options.headers.Authorization = options.auth;
        options.headers["Content-Type"] = "application/json";
        return bookData ? JSON.parse(JSON.stringify(bookData)) : { client: "Office.js", sheets: [] };
      },
      async runActions(data, ctx) {
        seen.runActions.push({ data, inBatch: ctx === context });
        if (runActionsFails && ctx === context) throw new Error("工作表受保护");
      },
    },
    fetch: async (url, options) => {
      seen.requests.push({ url, options, body: JSON.parse(options.body) });
      return respond(url, options);
    },
  };
  sandbox.globalThis = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(SOURCE, sandbox, { filename: "ribbon.js" });
  const click = () => seen.associated["pe-recalculate"]({ completed: () => (seen.completed += 1) });
  return { seen, click, sandbox, context };
}

const json = (status, data) => ({ ok: status < 300, status, json: async () => data });
const ACTIONS = { actions: [{ func: "alert", args: ["总分 97 分", "绩效评分", "ok", "", ""] }] };

const SMALL = [
  // used range B2:D4; C3 and D4 hold formulas
  {
    name: "附件2-1",
    used: [1, 1, 3, 3],
    formulas: [
      ["分值", "得分", "合计"],
      [2, "=B3*1", 5],
      [3, 4, "=SUM(C3:C4)"],
    ],
  },
  { name: "评分说明", used: [0, 0, 1, 1], formulas: [["=1"]] },
  { name: "空表", used: null },
];

test("the button reads every sheet's formulas and sends them to 重新计算得分", async () => {
  const { seen, click } = load({ sheets: SMALL, respond: () => json(200, ACTIONS) });
  await click();
  assert.equal(seen.requests.length, 1);
  const { url, options, body } = seen.requests[0];
  assert.equal(url, "https://pe.example.gov.cn/xlwings/custom-scripts-call/" + encodeURIComponent("重新计算得分"));
  assert.equal(options.method, "POST");
  assert.equal(options.headers.Authorization, "Bearer sso-token");
  assert.equal(options.credentials, "same-origin");
  assert.deepEqual(body.args, [{ "附件2-1": { C3: "=B3*1", D4: "=SUM(C3:C4)" }, 空表: {} }]);
  assert.deepEqual(seen.runActions, [{ data: ACTIONS, inBatch: true }]);
  assert.equal(seen.completed, 1);
});

test("a 400 shows the server's Chinese message and writes nothing", async () => {
  const detail = "未收到工作表中的公式，为免覆盖公式，工作簿未作任何修改。";
  const { seen, click } = load({ sheets: SMALL, respond: () => json(400, { detail }) });
  await click();
  assert.equal(seen.runActions.length, 1);
  const [{ data, inBatch }] = seen.runActions;
  assert.equal(inBatch, false);
  assert.equal(data.actions.length, 1);
  assert.equal(data.actions[0].func, "alert");
  assert.equal(data.actions[0].args[0], detail);
  assert.equal(data.actions[0].args[1], "绩效评分");
  assert.equal(seen.completed, 1);
});

test("a server fault or no connection is said in Chinese", async () => {
  for (const respond of [() => json(500, "An error occurred."), () => Promise.reject(new TypeError("Failed to fetch"))]) {
    const { seen, click } = load({ sheets: SMALL, respond });
    await click();
    const message = seen.runActions[0].data.actions[0].args[0];
    assert.match(message, /评分服务器|无法连接/);
    assert.match(message, /工作簿未作任何修改/);
    assert.equal(seen.completed, 1);
  }
});

test("Excel stopping part-way says the next click completes it", async () => {
  const { seen, click } = load({ sheets: SMALL, respond: () => json(200, ACTIONS), runActionsFails: true });
  await click();
  const message = seen.runActions[1].data.actions[0].args[0];
  assert.match(message, /工作表受保护/);
  assert.match(message, /再点击一次“重新计算得分”/);
});

test("with the task pane open, the form's findings are listed with links to their pages", async () => {
  const pane = { innerHTML: "", textContent: "" };
  const report = {
    sheet: "附件2-1",
    total: 97,
    grade: "优",
    issues: [
      { code: "PE402", severity: "warning", cell: "J11", message: "完成率 142.0%<b>未说明</b>", title: "超额完成较多但未说明原因" },
      { code: "PE305", severity: "warning", cell: null, message: "目标名称相同", title: "" },
    ],
  };
  const respond = (url) => (url.endsWith("/pe/report") ? json(200, report) : json(200, ACTIONS));
  const { seen, click } = load({ sheets: SMALL, respond, pane });
  await click();
  assert.equal(seen.requests.length, 2);
  assert.equal(seen.requests[1].url, "https://pe.example.gov.cn/pe/report");
  assert.deepEqual(seen.requests[1].body, seen.requests[0].body); // the same book and formulas, nothing re-read
  assert.match(pane.innerHTML, /总分 97 分，评价等级：优。发现 2 个问题/);
  assert.match(pane.innerHTML, /<a href="\/pe\/findings\/PE402" target="_blank" rel="noopener">PE402<\/a>/);
  assert.match(pane.innerHTML, /J11：完成率 142.0%&lt;b&gt;未说明&lt;\/b&gt;/);
  assert.match(pane.innerHTML, /警告<\/span> 目标名称相同/);
});

test("reading a property before sync fails in the stand-in (so the test above means something)", () => {
  const context = workbookStandIn(SMALL);
  assert.throws(() => context.workbook.worksheets.items, NotLoaded);
});

test("the example workbook's request (PE_BOOK_FIXTURE)", { skip: !process.env.PE_BOOK_FIXTURE }, async () => {
  const fixture = JSON.parse(fs.readFileSync(process.env.PE_BOOK_FIXTURE, "utf8"));
  const { seen, click } = load({ sheets: fixture.sheets, bookData: fixture.payload, respond: () => json(200, ACTIONS) });
  await click();
  assert.equal(seen.requests.length, 1);
  fs.writeFileSync(process.env.PE_REQUEST_OUT, JSON.stringify(seen.requests[0].body));
});
