// pe-score on xlwings Server: the ribbon button 重新计算得分 (and the same button in the task pane).
//
// xlwings Server only ever sends cell values, so a cell holding a formula (the template's 执行率,
// 得分, subtotals, 合计 and 评价等级) would look like a number to the server and be overwritten. This
// script therefore reads the formulas of every sheet's used range through Office.js and sends them
// as the argument of the server script 重新计算得分 (server/custom_scripts), which never writes
// those cells. The server answers with the writes to make (xlwings' action list); they are applied
// here by xlwings' own runActions. Every message the user can see is Chinese.
//
// Loaded by the task pane page as a classic script after xlwings' module (which defines
// globalThis.xlwings); server/static/js/ribbon.js replaces xlwings Server's example ribbon.js.
(function () {
  "use strict";

  const SCRIPT = "重新计算得分";
  const TITLE = "绩效评分";
  const EXPLAIN_SHEET = "评分说明"; // written by pe-score, never read as a form
  // workbook.safety.DEFAULT_LIMITS: the server reads no more than this of a sheet.
  const MAX_ROWS = 10000;
  const MAX_COLS = 100;

  const MESSAGES = {
    network:
      "无法连接评分服务器，工作簿未作任何修改。请检查网络后再点击“重新计算得分”；如仍不行，请联系信息中心。",
    server: (status) =>
      `评分服务器出错（HTTP ${status}），工作簿未作任何修改。请稍后再试；如仍不行，请联系信息中心。`,
    partial: (why) =>
      `写入评分结果时 Excel 中止了操作（${why}）。` +
      "已写入的部分不会造成混乱：解决问题后（如撤销工作表保护）再点击一次“重新计算得分”，即可得到完整结果。",
    read: (why) => `读取工作表时出错（${why}），工作簿未作任何修改。`,
  };

  function columnName(index) {
    let name = "";
    for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
      name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    }
    return name;
  }

  // {sheet name: {"G8": "=F8/E8", ...}} for every sheet but 评分说明; a sheet without formulas is {}.
  async function readFormulas(context) {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    await context.sync();
    const used = sheets.items
      .filter((sheet) => sheet.name !== EXPLAIN_SHEET)
      .map((sheet) => ({
        sheet,
        range: sheet
          .getUsedRangeOrNullObject(true)
          .load("rowIndex,columnIndex,rowCount,columnCount"),
      }));
    await context.sync();
    const formulas = {};
    const reads = [];
    for (const { sheet, range } of used) {
      formulas[sheet.name] = {};
      if (range.isNullObject) continue;
      const block = sheet
        .getRangeByIndexes(
          range.rowIndex,
          range.columnIndex,
          Math.min(range.rowCount, MAX_ROWS),
          Math.min(range.columnCount, MAX_COLS),
        )
        .load("formulas");
      reads.push({ name: sheet.name, row: range.rowIndex, col: range.columnIndex, block });
    }
    await context.sync();
    for (const { name, row, col, block } of reads) {
      block.formulas.forEach((cells, i) => {
        cells.forEach((formula, j) => {
          if (typeof formula === "string" && formula.startsWith("=")) {
            formulas[name][columnName(col + j) + String(row + i + 1)] = formula;
          }
        });
      });
    }
    return formulas;
  }

  function appConfig() {
    try {
      return JSON.parse(document.getElementById("config").textContent);
    } catch (e) {
      return {};
    }
  }

  class UserMessage extends Error {}

  async function detailOf(response) {
    try {
      const data = await response.json();
      return typeof data.detail === "string" ? data.detail : null;
    } catch (e) {
      return null;
    }
  }

  async function post(url, payload, headers, timeoutSeconds) {
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer =
      controller && timeoutSeconds ? setTimeout(() => controller.abort(), timeoutSeconds * 1000) : null;
    try {
      return await fetch(url, {
        method: "POST",
        headers: headers,
        body: JSON.stringify(payload),
        credentials: "same-origin", // the intranet sign-on's cookie, if any, goes to the proxy
        signal: controller ? controller.signal : undefined,
      });
    } catch (e) {
      throw new UserMessage(MESSAGES.network);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async function recalculate() {
    const config = appConfig();
    const auth =
      typeof globalThis.getAuth === "function" ? await globalThis.getAuth() : { token: "", provider: "" };
    const url =
      window.location.origin + (config.appPath || "") + "/xlwings/custom-scripts-call/" + encodeURIComponent(SCRIPT);
    let payload;
    const headers = { "Auth-Provider": auth.provider || "" };
    await Excel.run(async (context) => {
      try {
        const formulas = await readFormulas(context);
        // xlwings' own reader: the same JSON book every xlwings script receives (adds the headers).
        payload = await xlwings.getBookData({ auth: auth.token || "", headers: headers }, context);
        payload.args = [formulas];
      } catch (e) {
        throw new UserMessage(MESSAGES.read(e && e.message ? e.message : String(e)));
      }
      const response = await post(url, payload, headers, config.requestTimeout);
      if (!response.ok) {
        const detail = response.status < 500 ? await detailOf(response) : null;
        throw new UserMessage(detail || MESSAGES.server(response.status));
      }
      const actions = await response.json();
      try {
        await xlwings.runActions(actions, context);
      } catch (e) {
        throw new UserMessage(MESSAGES.partial(e && e.message ? e.message : String(e)));
      }
    });
    await showFindings(config, payload, headers);
  }

  const SEVERITY = { error: "错误", warning: "警告", info: "提示" };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // The task pane's list of this form's findings, each linked to its page in the catalogue. Only
  // when the task pane is open (its list element exists): the ribbon alone asks nothing more.
  async function showFindings(config, payload, headers) {
    const box = typeof document !== "undefined" && document.getElementById ? document.getElementById("pe-findings") : null;
    if (!box) return;
    const appPath = config.appPath || "";
    let response;
    try {
      response = await post(window.location.origin + appPath + "/pe/report", payload, headers, config.requestTimeout);
    } catch (e) {
      box.textContent = "无法取得问题清单（评分结果已写入工作表）。";
      return;
    }
    if (!response.ok) {
      box.textContent = (await detailOf(response)) || "无法取得问题清单（评分结果已写入工作表）。";
      return;
    }
    const report = await response.json();
    const head = `“${escapeHtml(report.sheet)}”总分 ${escapeHtml(report.total)} 分，评价等级：${escapeHtml(report.grade)}。`;
    if (!report.issues.length) {
      box.innerHTML = `<p>${head}没有发现问题。</p>`;
      return;
    }
    const items = report.issues.map((issue) => {
      const code = escapeHtml(issue.code);
      const where = issue.cell ? `${escapeHtml(issue.cell)}：` : "";
      return (
        `<li><a href="${escapeHtml(appPath)}/pe/findings/${code}" target="_blank" rel="noopener">${code}</a> ` +
        `<span class="sev-${escapeHtml(issue.severity)}">${SEVERITY[issue.severity] || ""}</span> ` +
        `${where}${escapeHtml(issue.message)}</li>`
      );
    });
    box.innerHTML = `<p>${head}发现 ${report.issues.length} 个问题：</p><ul>${items.join("")}</ul>`;
  }

  async function say(message) {
    const alert = { func: "alert", args: [message, TITLE, "ok", "critical", ""] };
    try {
      await xlwings.runActions({ actions: [alert] });
    } catch (e) {
      console.error(message, e);
    }
  }

  // The ribbon button (manifest: <FunctionName>pe-recalculate</FunctionName>).
  async function onRibbon(event) {
    try {
      await recalculate();
    } catch (e) {
      console.error(e);
      await say(e instanceof UserMessage ? e.message : MESSAGES.read(String(e)));
    } finally {
      if (event && typeof event.completed === "function") event.completed();
    }
  }

  globalThis.peScore = { recalculate, readFormulas, onRibbon, columnName, SCRIPT };
  Office.actions.associate("pe-recalculate", onRibbon);

  // The task pane's button does the same.
  if (typeof document !== "undefined" && document.addEventListener) {
    document.addEventListener("DOMContentLoaded", () => {
      const button = document.getElementById("pe-recalculate");
      if (!button) return;
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await onRibbon(null);
        } finally {
          button.disabled = false;
        }
      });
    });
  }
})();
