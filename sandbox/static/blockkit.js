// Block Kit blocks and elements as DOM: sections, fields, headers, context, actions, images,
// inputs; elements fire block_actions at once, or hold a value for a modal's submit.

import { state, tr, userName } from "./state.js";
import { el } from "./dom.js";
import { sendAction } from "./api.js";
import { plainText, textObject } from "./mrkdwn.js";

// ctx: {kind: "message"|"modal"|"home", channel?, ts?, viewId?, inputs?: Map}
export function renderBlocks(blocks, ctx) {
  const root = el("div", { class: "blocks" });
  (blocks || []).forEach((block, index) => {
    const node = renderBlock(block, index, ctx);
    if (node) root.append(node);
  });
  return root;
}

function renderBlock(block, index, ctx) {
  const blockId = block.block_id || `b${index}`;
  switch (block.type) {
    case "section": {
      const node = el("div", { class: "bk-section", dataset: { blockId } });
      const main = el("div", { class: "bk-section-main" });
      if (block.text) main.append(textObject(block.text, "bk-text"));
      if (block.fields?.length) {
        main.append(
          el(
            "div",
            { class: "bk-fields" },
            block.fields.map((f) => textObject(f, "bk-field")),
          ),
        );
      }
      node.append(main);
      if (block.accessory) {
        node.append(el("div", { class: "bk-accessory" }, renderElement(block.accessory, blockId, ctx)));
      }
      return node;
    }
    case "header":
      return el("div", { class: "bk-header", dataset: { blockId }, text: plainText(block.text) });
    case "divider":
      return el("hr", { class: "bk-divider" });
    case "context":
      return el(
        "div",
        { class: "bk-context", dataset: { blockId } },
        (block.elements || []).map((item) =>
          item.type === "image"
            ? el("img", { class: "bk-context-img", src: item.image_url, alt: item.alt_text || "" })
            : textObject(item, "bk-context-text"),
        ),
      );
    case "actions":
      return el(
        "div",
        { class: "bk-actions", dataset: { blockId } },
        (block.elements || []).map((item) => renderElement(item, blockId, ctx)),
      );
    case "image": {
      const url = block.image_url || block.slack_file?.url;
      return el(
        "figure",
        { class: "bk-image", dataset: { blockId } },
        block.title ? el("figcaption", { text: plainText(block.title) }) : null,
        el("img", { src: url, alt: block.alt_text || "", loading: "eager" }),
      );
    }
    case "input":
      return renderInput(block, blockId, ctx);
    case "rich_text":
      return el("div", { class: "bk-section" }, el("div", { class: "bk-text", text: richText(block) }));
    default:
      return el("div", { class: "bk-unknown", text: `[${block.type}]` });
  }
}

function richText(block) {
  const parts = [];
  const walk = (node) => {
    if (node.text) parts.push(node.text);
    (node.elements || []).forEach(walk);
  };
  walk(block);
  return parts.join("");
}

function optionLabel(option) {
  return plainText(option.text);
}

function allOptions(element) {
  if (element.options) return element.options;
  return (element.option_groups || []).flatMap((group) => group.options);
}

function selectNode(element, placeholderKey, choices, selected) {
  const select = el("select", { class: "bk-select" });
  select.append(
    el("option", {
      value: "",
      text: element.placeholder ? plainText(element.placeholder) : tr(placeholderKey),
    }),
  );
  choices.forEach(([value, label]) => select.append(el("option", { value, text: label })));
  select.value = selected ?? "";
  return select;
}

function userChoices() {
  return (state.info?.users || []).map((user) => [user.id, user.real_name || user.name]);
}

// An interactive element. In messages and the Home tab it fires block_actions at once;
// inside a modal's input block it only holds a value until submit (see renderInput).
function renderElement(element, blockId, ctx, input = null) {
  const fire = (action) =>
    sendAction(ctx, { action_id: element.action_id, block_id: blockId, type: element.type, ...action });
  switch (element.type) {
    case "button": {
      const button = el("button", {
        type: "button",
        class: `bk-btn${element.style ? ` bk-btn-${element.style}` : ""}`,
        text: plainText(element.text),
        dataset: { actionId: element.action_id || "" },
      });
      button.addEventListener("click", async () => {
        if (element.url) window.open(element.url, "_blank", "noopener");
        button.disabled = true;
        button.classList.add("busy");
        await fire({ value: element.value });
        setTimeout(() => {
          button.disabled = false;
          button.classList.remove("busy");
        }, 600);
      });
      return button;
    }
    case "static_select":
    case "external_select": {
      const options = allOptions(element);
      const select = selectNode(
        element,
        "choose",
        options.map((o) => [o.value, optionLabel(o)]),
        element.initial_option?.value,
      );
      const chosen = () => options.find((o) => o.value === select.value) || null;
      if (input) input.collect = () => ({ type: element.type, selected_option: chosen() });
      else select.addEventListener("change", () => chosen() && fire({ selected_option: chosen() }));
      return select;
    }
    case "multi_static_select": {
      const options = allOptions(element);
      const select = el("select", { class: "bk-select", multiple: true });
      const initial = new Set((element.initial_options || []).map((o) => o.value));
      options.forEach((o) =>
        select.append(el("option", { value: o.value, text: optionLabel(o), selected: initial.has(o.value) })),
      );
      const chosen = () =>
        options.filter((o) => [...select.selectedOptions].some((s) => s.value === o.value));
      if (input) input.collect = () => ({ type: element.type, selected_options: chosen() });
      else select.addEventListener("change", () => fire({ selected_options: chosen() }));
      return select;
    }
    case "users_select": {
      const select = selectNode(element, "chooseUser", userChoices(), element.initial_user);
      if (input) input.collect = () => ({ type: element.type, selected_user: select.value || null });
      else select.addEventListener("change", () => select.value && fire({ selected_user: select.value }));
      return select;
    }
    case "conversations_select":
    case "channels_select": {
      const channels = (state.info?.channels || []).map((c) => [
        c.id,
        c.kind === "im" ? userName(c.user) : `#${c.name}`,
      ]);
      const select = selectNode(
        element,
        "choose",
        channels,
        element.initial_conversation || element.initial_channel,
      );
      const key = element.type === "channels_select" ? "selected_channel" : "selected_conversation";
      if (input) input.collect = () => ({ type: element.type, [key]: select.value || null });
      else select.addEventListener("change", () => select.value && fire({ [key]: select.value }));
      return select;
    }
    case "overflow":
      return overflowMenu(element, fire);
    case "datepicker": {
      const picker = el("input", { type: "date", class: "bk-date", value: element.initial_date || "" });
      if (input) input.collect = () => ({ type: element.type, selected_date: picker.value || null });
      else picker.addEventListener("change", () => picker.value && fire({ selected_date: picker.value }));
      return picker;
    }
    case "timepicker": {
      const picker = el("input", { type: "time", class: "bk-date", value: element.initial_time || "" });
      if (input) input.collect = () => ({ type: element.type, selected_time: picker.value || null });
      else picker.addEventListener("change", () => picker.value && fire({ selected_time: picker.value }));
      return picker;
    }
    case "radio_buttons":
    case "checkboxes": {
      const multiple = element.type === "checkboxes";
      const name = `${blockId}-${element.action_id}`;
      const initial = new Set(
        multiple ? (element.initial_options || []).map((o) => o.value) : [element.initial_option?.value],
      );
      const boxes = element.options.map((o) => {
        const box = el("input", {
          type: multiple ? "checkbox" : "radio",
          name,
          value: o.value,
          checked: initial.has(o.value),
        });
        return [o, box, el("label", { class: "bk-choice" }, box, el("span", { text: optionLabel(o) }))];
      });
      const chosen = () => boxes.filter(([, box]) => box.checked).map(([o]) => o);
      if (input) {
        input.collect = () =>
          multiple
            ? { type: element.type, selected_options: chosen() }
            : { type: element.type, selected_option: chosen()[0] || null };
      } else {
        boxes.forEach(([, box]) =>
          box.addEventListener("change", () =>
            fire(multiple ? { selected_options: chosen() } : { selected_option: chosen()[0] }),
          ),
        );
      }
      return el(
        "div",
        { class: "bk-choices" },
        boxes.map(([, , label]) => label),
      );
    }
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input": {
      const multiline = element.type === "plain_text_input" && element.multiline;
      const field = multiline
        ? el("textarea", { class: "bk-input", rows: 4 })
        : el("input", {
            class: "bk-input",
            type:
              element.type === "number_input"
                ? "text"
                : element.type === "email_text_input"
                  ? "email"
                  : "text",
            inputmode:
              element.type === "number_input" ? (element.is_decimal_allowed ? "decimal" : "numeric") : null,
          });
      field.value = element.initial_value ?? "";
      if (element.placeholder) field.placeholder = plainText(element.placeholder);
      if (element.max_length) field.maxLength = element.max_length;
      if (input) {
        input.collect = () => ({ type: element.type, value: field.value === "" ? null : field.value });
        input.focus = () => field.focus();
      }
      return field;
    }
    case "image":
      return el("img", { class: "bk-accessory-img", src: element.image_url, alt: element.alt_text || "" });
    default:
      return el("span", { class: "bk-unknown", text: `[${element.type}]` });
  }
}

function overflowMenu(element, fire) {
  const wrap = el("span", { class: "bk-overflow" });
  const button = el("button", {
    type: "button",
    class: "bk-btn bk-btn-icon",
    "aria-label": "More actions",
    text: "⋮",
  });
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    closeMenus();
    const menu = el(
      "div",
      { class: "menu", role: "menu" },
      (element.options || []).map((option) =>
        el("button", {
          type: "button",
          class: "menu-item",
          role: "menuitem",
          text: optionLabel(option),
          onclick: () => {
            closeMenus();
            fire({ selected_option: option });
          },
        }),
      ),
    );
    wrap.append(menu);
  });
  wrap.append(button);
  return wrap;
}

export function closeMenus() {
  document.querySelectorAll(".menu").forEach((menu) => menu.remove());
}

function renderInput(block, blockId, ctx) {
  const entry = { blockId, actionId: block.element?.action_id || "input" };
  const label = el(
    "label",
    { class: "bk-label" },
    plainText(block.label),
    block.optional ? el("span", { class: "bk-optional", text: ` ${tr("optional")}` }) : null,
  );
  const control = renderElement(block.element || {}, blockId, ctx, ctx.inputs ? entry : null);
  const error = el("div", { class: "bk-error", "data-testid": "field-error", hidden: true });
  entry.showError = (message) => {
    error.textContent = message ? `⚠ ${message}` : "";
    error.hidden = !message;
    node.classList.toggle("has-error", !!message);
  };
  const node = el(
    "div",
    { class: "bk-input-block", dataset: { blockId } },
    label,
    control,
    block.hint ? el("div", { class: "bk-hint", text: plainText(block.hint) }) : null,
    error,
  );
  ctx.inputs?.set(blockId, entry);
  return node;
}
