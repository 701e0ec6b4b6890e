// Chinese names the words around them make one: a verdict, a resignation or an obituary's closing
// after the name, an announcement or appointment before it, a scorer's "梅开二度" (the cue after a
// name was read three characters long and missed every longer one), the writer after "谢谢！".
// Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a Chinese name by the words around it", () => {
  it.each([
    ["北京国安3比1战胜对手，张伟龙上演帽子戏法。", "张伟龙"],
    ["法院判决后，刘建华败诉，需承担诉讼费用。", "刘建华"],
    ["董事会任命赵丽娟为新任总经理。", "赵丽娟"],
    ["公司宣布孙浩然出任首席技术官。", "孙浩然"],
    ["附件是本月的报表，请查阅。谢谢！郭静怡", "郭静怡"],
    ["享年90岁。子女王建、王丽敬告。", "王丽"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each(["谢谢！大家辛苦了。", "公司宣布新产品将于下月上市。"])("control: %s names no one", (text) => {
    expect(people(text)).toEqual([]);
  });
});
