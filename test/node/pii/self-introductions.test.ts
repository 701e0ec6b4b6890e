// People who name themselves, or whom a form's name field names, in scripts without capitals
// (workers/pii/detectors/self-introductions.ts): the name is found whole, and sentences of the
// same shape that name nobody ("I am fine", "I am a student", "I went to the market") stay clean,
// red team 24's among them.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location", "address"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("self-introductions and name fields name a person", () => {
  it.each([
    // Chinese: "I am" / "I am called" / "my name is", and the holder of a card, an ID or an account
    ["您好，我是刘建国，身份证号440106199104162925。", "刘建国"],
    ["你好，我叫欧阳明，请回电。", "欧阳明"],
    ["王晓伟的信用卡2548892282871909已被冻结。", "王晓伟"],
    ["您好，我是刘建国先生，身份证号440106199104162925。", "刘建国"],
    ["请确认：赵海燕的身份证号码是否正确？", "赵海燕"],
    // Chinese and Japanese name fields (a family name, a space and a given name too; an honorific is no part)
    ["社員情報　氏名：渡辺翔太　生年月日：1987/02/08", "渡辺翔太"],
    ["【会員登録】氏名：吉田　真由美　生年月日：1991年11月18日", "吉田　真由美"],
    ["お名前：さくら様", "さくら"],
    ["はじめまして、山田太郎と申します。", "山田太郎"],
    ["姓名：张三，电话：13800138000", "张三"],
    // Korean: greeting or "my name is", then family name and given name, then "I am"
    ["안녕하세요, 조하은입니다. 주민등록번호는 000914-3658520이고", "조하은"],
    ["제 이름은 김지원입니다.", "김지원"],
    ["안녕하세요, 남궁민준이에요.", "남궁민준"],
    ["안녕하세요, 김민수 입니다.", "김민수"],
    // Thai: greeting, "I", given and family name, then a record
    ["สวัสดีครับ ผมพิมพ์ชนก บุญมา เลขบัตรประชาชน 8-6978-20662-77-8", "พิมพ์ชนก บุญมา"],
    // Indic, Persian, Urdu, Arabic, Amharic, Hebrew: "my name is" (a greeting and "I" introduce what one is as often)
    ["नमस्ते, मैं राहुल शर्मा हूँ, मेरा आधार नंबर 5948 3846 1205 है।", "राहुल शर्मा"],
    ["வணக்கம், என் பெயர் பிரியா முருகன். ஆதார் எண் 5948 3846 1205.", "பிரியா முருகன்"],
    ["নমস্কার, আমার নাম ফারহানা হোসেন, জাতীয় পরিচয়পত্র নম্বর 19429564082333", "ফারহানা হোসেন"],
    ["سلام، اسم من بهار کریمی است. کد ملی 0443438250", "بهار کریمی"],
    ["السلام علیکم، میرا نام عائشہ خان ہے، شناختی کارڈ نمبر 94851-7906096-2", "عائشہ خان"],
    ["ሰላም፣ ስሜ መሠረት ገብሩ ነው። መታወቂያ ቁጥር 176180631082", "መሠረት ገብሩ"],
    ["שלום, שמי דני כהן, מספר תעודת זהות 123456782", "דני כהן"],
    ["مرحبا، اسمي سارة أحمد، رقم الهوية 1234567890", "سارة أحمد"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("sentences of the same shape that name nobody stay clean", () => {
  it.each([
    "我是学生，今天很忙。",
    "我是高中生，住在北京。",
    "周末的订单已发货。",
    "저는 한국인입니다.",
    "저는 연구원입니다.",
    "안녕하세요, 고객센터입니다.",
    "สวัสดีครับ ผมไปตลาด แล้วกลับบ้าน",
    "नमस्ते, मैं ठीक हूँ",
    "नमस्ते, मैं बहुत खुश हूँ।",
    "नमस्ते, मैं आपकी मदद कर सकता हूँ",
    "मैं कल दिल्ली जाऊँगा, फिर लौटूँगा।",
    "שלום, אני לא יכול להגיע, סליחה",
    "வணக்கம், நான் நலமாக இருக்கிறேன்.",
    "নমস্কার, আমি ভালো আছি, ধন্যবাদ",
    "سلام، من امروز خیلی خسته هستم.",
    // red team 24: "I am" introduces what one is ("I am a programmer / from Chengdu / a student")
    "我是程序员。",
    "我是管理员，有什么可以帮你？",
    "我是车主，想问一下保险的事。",
    "我是成都人。",
    "您好，我是东方人。",
    "我叫车了，马上到。",
    "商家的电话是多少？",
    "这是原来的密码，明天的工资会发放。",
    "，游客的护照需要检查。",
    "联系人：暂无",
    "宛名：御中",
    "저는 고양이예요.",
    "저는 제주도예요.",
    "안녕하세요, 우체국입니다.",
    "안녕하세요, 소방서입니다.",
    "नमस्ते, मैं एक छात्र हूँ।",
    "नमस्ते, मैं दिल्ली में रहता हूँ।",
    "السلام علیکم، میں ایک طالب علم ہوں۔",
    "سلام، من یک دانشجو هستم.",
    "வணக்கம், நான் ஒரு மாணவன்.",
    "নমস্কার, আমি একজন ছাত্র।",
    "मेरा नाम लिस्ट में है।",
    "मेरा नाम भी वही है।",
    "میرا نام غلط لکھا ہے۔",
    "اسم من اشتباه نوشته شده است.",
    "আমার নাম ভুল লেখা হয়েছে।",
    "ስሜ በዝርዝሩ ውስጥ የለም።",
    "שמי לא מופיע ברשימה.",
    "สวัสดีครับ ผมอยากสอบถาม เรื่องบัตรเครดิต",
    "สวัสดีค่ะ ดิฉันสนใจ สินค้านี้ อายุการใช้งานเท่าไหร่",
    "สวัสดีครับ ผมไปตลาด แล้วกลับบ้าน 5 โมง",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
