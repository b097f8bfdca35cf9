--! Previous: sha1:01db9a1c7093b49bf25405d1be007852bd2e187f
--! Hash: sha1:c300b12f28eb94ada1120365bc15781a735b8f0a
--! Message: phones by numbering plan

-- Phones are read with each country's numbering plan: how many digits its numbers have after the country
-- code, which digits they may start with, and its national (trunk) prefix. Before, any 7 to 15 digits
-- passed and a national number lost a leading 0 whatever the country: "255712345678" typed at a +255
-- clinic was saved as +255255712345678, "+255 0712 345 678" as +2550712345678, "12345" as +25512345,
-- and Italy's "06 1234 5678" as +39612345678. Login and the duplicate warning read phones the same
-- way, so such people could log in only with the form they had typed, and were not found as duplicates.

create or replace function app_hidden.phone_plan(calling_code text) returns jsonb
  language sql immutable parallel safe
as $$
  -- libphonenumber-js 1.13.16, metadata.min.json: for each calling code, the possible national lengths
  -- and the national number patterns of the countries sharing it, and its main country's national
  -- prefix ("trunk") and prefix for parsing ("strip", where libphonenumber has no transform rule for it);
  -- tests/db/phone-plans.test.ts compares them. ClinicOps keeps +1 and +7 to their 10-digit numbers (000066).
  select '{
    "1": {"lengths": [10], "trunk": "1", "strip": "1", "pattern": "(?:[2-9]\\d{9}|3\\d{6})|(?:(?:268|[58]\\d\\d|900)\\d{7})|(?:(?:264|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|684|900)\\d{7})|(?:(?:246|[58]\\d\\d|900)\\d{7})|(?:(?:441|[58]\\d\\d|900)\\d{7})|(?:(?:242|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|767|900)\\d{7})|(?:(?:[58]\\d\\d|900)\\d{7})|(?:(?:473|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|671|900)\\d{7})|(?:(?:[58]\\d\\d|658|900)\\d{7})|(?:(?:345|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|758|900)\\d{7})|(?:[58]\\d{9}|(?:67|90)0\\d{7})|(?:(?:[58]\\d\\d|664|900)\\d{7})|(?:(?:[589]\\d\\d|787)\\d{7})|(?:7215\\d{6}|(?:[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|649|900)\\d{7})|(?:(?:[58]\\d\\d|784|900)\\d{7})|(?:(?:284|[58]\\d\\d|900)\\d{7})|(?:[58]\\d{9}|(?:34|90)0\\d{7})"},
    "7": {"lengths": [10], "trunk": "8", "strip": "8", "pattern": "(?:8\\d{13}|[347-9]\\d{9})|(?:8\\d{13}|[78]\\d{9})"},
    "20": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[189]\\d{8,9}|[24-6]\\d{8}|[135]\\d{7}"},
    "27": {"lengths": [5, 6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[1-79]\\d{8}|8\\d{4,9}"},
    "30": {"lengths": [10, 11, 12], "pattern": "5005000\\d{3}|8\\d{9,11}|(?:[269]\\d|70)\\d{8}"},
    "31": {"lengths": [5, 6, 7, 8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "(?:[124-7]\\d\\d|3(?:[02-9]\\d|1[0-8]))\\d{6}|8\\d{6,9}|9\\d{6,10}|1\\d{4,5}"},
    "32": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "4\\d{8}|[1-9]\\d{7}"},
    "33": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[1-9]\\d{8}"},
    "34": {"lengths": [9], "pattern": "400\\d{6}|(?:51|[6-9]\\d)\\d{7}"},
    "36": {"lengths": [8, 9], "trunk": "06", "strip": "06", "pattern": "[235-7]\\d{8}|[1-9]\\d{7}"},
    "39": {"lengths": [6, 7, 8, 9, 10, 11, 12], "pattern": "(?:0\\d{5,11}|1\\d{8,10}|3(?:[0-8]\\d{7,10}|9\\d{7,8})|(?:43|55|70)\\d{8}|8\\d{5}(?:\\d{2,4})?)|(?:0\\d{5,10}|3[0-8]\\d{7,10}|55\\d{8}|8\\d{5}(?:\\d{2,4})?|(?:1\\d|39)\\d{7,8})"},
    "40": {"lengths": [6, 9], "trunk": "0", "strip": "0", "pattern": "(?:[2378]\\d|90)\\d{7}|[23]\\d{5}"},
    "41": {"lengths": [9, 12], "trunk": "0", "strip": "0", "pattern": "8\\d{11}|[2-9]\\d{8}"},
    "43": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "1\\d{3,12}|2\\d{6,12}|43(?:(?:0\\d|5[02-9])\\d{3,9}|2\\d{4,5}|[3467]\\d{4}|8\\d{4,6}|9\\d{4,7})|5\\d{4,12}|8\\d{7,12}|9\\d{8,12}|(?:[367]\\d|4[0-24-9])\\d{4,11}"},
    "44": {"lengths": [7, 9, 10], "trunk": "0", "strip": "0|180020", "pattern": "(?:[1-357-9]\\d{9}|[18]\\d{8}|8\\d{6})|(?:(?:1481|[357-9]\\d{3})\\d{6}|8\\d{6}(?:\\d{2})?)|(?:1624\\d{6}|(?:[3578]\\d|90)\\d{8})|(?:1534\\d{6}|(?:[3578]\\d|90)\\d{8})"},
    "45": {"lengths": [8], "pattern": "[2-9]\\d{7}"},
    "46": {"lengths": [6, 7, 8, 9, 10, 12], "trunk": "0", "strip": "0", "pattern": "(?:[26]\\d\\d|9)\\d{9}|[1-9]\\d{8}|[1-689]\\d{7}|[1-4689]\\d{6}|2\\d{5}"},
    "47": {"lengths": [5, 8], "pattern": "(?:(?:0|[2-9]\\d{3})\\d{4})|(?:0\\d{4}|(?:[489]\\d|79)\\d{6})"},
    "48": {"lengths": [6, 7, 8, 9, 10], "pattern": "(?:6|8\\d\\d)\\d{7}|[1-9]\\d{6}(?:\\d{2})?|[26]\\d{5}"},
    "49": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], "trunk": "0", "strip": "0", "pattern": "[2579]\\d{5,14}|49(?:[34]0|69|8\\d)\\d\\d?|49(?:37|49|60|7[089]|9\\d)\\d{1,3}|49(?:2[024-9]|3[2-689]|7[1-7])\\d{1,8}|(?:1|[368]\\d|4[0-8])\\d{3,13}|49(?:[015]\\d|2[13]|31|[46][1-8])\\d{1,9}"},
    "51": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[14-8]|9\\d)\\d{7}"},
    "52": {"lengths": [10], "pattern": "[2-9]\\d{9}"},
    "53": {"lengths": [6, 7, 8, 10], "trunk": "0", "strip": "0", "pattern": "(?:[2-7]|8\\d\\d)\\d{7}|[2-47]\\d{6}|[34]\\d{5}"},
    "54": {"lengths": [10, 11], "trunk": "0", "strip": "0", "pattern": "(?:11|[89]\\d\\d)\\d{8}|[2368]\\d{9}"},
    "55": {"lengths": [8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "[1-467]\\d{9,10}|55[0-46-9]\\d{8}|[34]\\d{7}|55\\d{7,8}|(?:5[0-46-9]|[89]\\d)\\d{7,9}"},
    "56": {"lengths": [9, 10, 11], "pattern": "12300\\d{6}|6\\d{9,10}|[2-9]\\d{8}"},
    "57": {"lengths": [8, 10, 11], "trunk": "0", "strip": "0([3579]|4(?:[14]4|56))?", "pattern": "(?:46|60\\d\\d)\\d{6}|(?:1\\d|[39])\\d{9}"},
    "58": {"lengths": [10], "trunk": "0", "strip": "0", "pattern": "[68]00\\d{7}|(?:[24]\\d|[59]0)\\d{8}"},
    "60": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "1\\d{8,9}|(?:3\\d|[4-9])\\d{7}"},
    "61": {"lengths": [5, 6, 7, 8, 9, 10, 12], "trunk": "0", "strip": "(183[12])|0", "pattern": "(?:1(?:[0-79]\\d{7}(?:\\d(?:\\d{2})?)?|8[0-24-9]\\d{7})|[2-478]\\d{8}|1\\d{4,7})|(?:1(?:[0-79]\\d{8}(?:\\d{2})?|8[0-24-9]\\d{7})|[148]\\d{8}|1\\d{5,7})"},
    "62": {"lengths": [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trunk": "0", "strip": "0", "pattern": "00[1-9]\\d{9,14}|(?:[1-36]|8\\d{5})\\d{6}|00\\d{9}|[1-9]\\d{8,10}|[2-9]\\d{7}"},
    "63": {"lengths": [6, 8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "(?:[2-7]|9\\d)\\d{8}|2\\d{5}|(?:1800|8)\\d{7,9}"},
    "64": {"lengths": [5, 6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[1289]\\d{9}|50\\d{5}(?:\\d{2,3})?|[27-9]\\d{7,8}|(?:[34]\\d|6[0-35-9])\\d{6}|8\\d{4,6}"},
    "65": {"lengths": [8, 10, 11], "pattern": "(?:(?:1\\d|8)\\d\\d|7000)\\d{7}|[3689]\\d{7}"},
    "66": {"lengths": [8, 9, 10, 13], "trunk": "0", "strip": "0", "pattern": "(?:001800|[2-57]|[689]\\d)\\d{7}|1\\d{7,9}"},
    "81": {"lengths": [8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trunk": "0", "strip": "0", "pattern": "00[1-9]\\d{6,14}|[25-9]\\d{9}|(?:00|[1-9]\\d\\d)\\d{6}"},
    "82": {"lengths": [5, 6, 8, 9, 10, 11, 12, 13, 14], "trunk": "0", "strip": "0(8(?:[1-46-8]|5\\d\\d))?", "pattern": "00[1-9]\\d{8,11}|(?:[12]|5\\d{3})\\d{7}|[13-6]\\d{9}|(?:[1-6]\\d|80)\\d{7}|[3-6]\\d{4,5}|(?:00|7)0\\d{8}"},
    "84": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[12]\\d{9}|[135-9]\\d{8}|[16]\\d{6,7}|7\\d{6}"},
    "86": {"lengths": [7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "(1(?:[12]\\d|79)\\d\\d)|0", "pattern": "(?:(?:1[03-689]|2\\d)\\d\\d|6)\\d{8}|1\\d{10}|[126]\\d{6}(?:\\d(?:\\d{2})?)?|86\\d{5,6}|(?:[3-579]\\d|8[0-57-9])\\d{5,9}"},
    "90": {"lengths": [7, 10, 12, 13], "trunk": "0", "strip": "0", "pattern": "4\\d{6}|8\\d{11,12}|(?:[2-58]\\d\\d|900)\\d{7}"},
    "91": {"lengths": [8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "(?:000800|[2-9]\\d\\d)\\d{7}|1\\d{7,12}"},
    "92": {"lengths": [8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "122\\d{6}|[24-8]\\d{10,11}|9(?:[013-9]\\d{8,10}|2(?:[01]\\d\\d|2(?:[06-8]\\d|1[01]))\\d{7})|(?:[2-8]\\d{3}|92(?:[0-7]\\d|8[1-9]))\\d{6}|[24-9]\\d{8}|[89]\\d{7}"},
    "93": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[2-7]\\d{8}"},
    "94": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[1-9]\\d{8}"},
    "95": {"lengths": [6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "1\\d{5,7}|95\\d{6}|(?:[4-7]|9[0-46-9])\\d{6,8}|(?:2|8\\d)\\d{5,8}"},
    "98": {"lengths": [4, 5, 6, 7, 10], "trunk": "0", "strip": "0", "pattern": "[1-9]\\d{9}|(?:[1-8]\\d\\d|9)\\d{3,4}"},
    "211": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[19]\\d{8}"},
    "212": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[5-8]\\d{8}"},
    "213": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[1-4]|[5-79]\\d|80)\\d{7}"},
    "216": {"lengths": [8], "pattern": "[2-57-9]\\d{7}"},
    "218": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[2-9]\\d{8}"},
    "220": {"lengths": [7, 9], "pattern": "[48]\\d{8}|[2-9]\\d{6}"},
    "221": {"lengths": [9], "pattern": "(?:[378]\\d|93)\\d{7}"},
    "222": {"lengths": [8], "pattern": "(?:[2-4]\\d\\d|800)\\d{5}"},
    "223": {"lengths": [8], "pattern": "[24-9]\\d{7}"},
    "224": {"lengths": [8, 9], "pattern": "722\\d{6}|(?:3|6\\d)\\d{7}"},
    "225": {"lengths": [10], "pattern": "[02]\\d{9}"},
    "226": {"lengths": [8], "pattern": "[024-7]\\d{7}"},
    "227": {"lengths": [8], "pattern": "[027-9]\\d{7}"},
    "228": {"lengths": [8], "pattern": "[279]\\d{7}"},
    "229": {"lengths": [10], "pattern": "01\\d{8}"},
    "230": {"lengths": [7, 8, 10], "pattern": "(?:[57]|8\\d\\d)\\d{7}|[2-468]\\d{6}"},
    "231": {"lengths": [7, 8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[2457]\\d|33|88)\\d{7}|(?:2\\d|[4-6])\\d{6}"},
    "232": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "(?:[237-9]\\d|66)\\d{6}"},
    "233": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "[235]\\d{8}|800\\d{5,6}"},
    "234": {"lengths": [10, 11, 12, 13, 14], "trunk": "0", "strip": "0", "pattern": "(?:20|9\\d)\\d{8}|[78]\\d{9,13}"},
    "235": {"lengths": [8], "pattern": "(?:22|[3689]\\d|77)\\d{6}"},
    "236": {"lengths": [8], "pattern": "8776\\d{4}|(?:[27]\\d|61)\\d{6}"},
    "237": {"lengths": [8, 9], "pattern": "[26]\\d{8}|88\\d{6,7}"},
    "238": {"lengths": [7], "pattern": "(?:[2-59]\\d\\d|800)\\d{4}"},
    "239": {"lengths": [7], "pattern": "(?:22|9\\d)\\d{5}"},
    "240": {"lengths": [9], "pattern": "222\\d{6}|(?:3\\d|55|[89]0)\\d{7}"},
    "241": {"lengths": [7, 8], "pattern": "(?:[067]\\d|11)\\d{6}|[2-7]\\d{6}"},
    "242": {"lengths": [9], "pattern": "222\\d{6}|(?:0\\d|80)\\d{7}"},
    "243": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:(?:[189]|5\\d)\\d|2)\\d{7}|[1-68]\\d{6}"},
    "244": {"lengths": [9], "pattern": "[29]\\d{8}"},
    "245": {"lengths": [7, 9], "pattern": "[49]\\d{8}|4\\d{6}"},
    "246": {"lengths": [7], "pattern": "3\\d{6}"},
    "247": {"lengths": [5, 6], "pattern": "(?:[01589]\\d|[2-467])\\d{4}"},
    "248": {"lengths": [7], "pattern": "(?:[2489]\\d|64)\\d{5}"},
    "249": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[19]\\d{8}"},
    "250": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:06|[27]\\d\\d|[89]00)\\d{6}"},
    "251": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:11|[2-57-9]\\d)\\d{7}"},
    "252": {"lengths": [6, 7, 8, 9], "trunk": "0", "strip": "0", "pattern": "[346-9]\\d{8}|[12679]\\d{7}|[1-5]\\d{6}|[1348]\\d{5}"},
    "253": {"lengths": [8], "pattern": "(?:2\\d|77)\\d{6}"},
    "254": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:[17]\\d\\d|900)\\d{6}|(?:2|80)0\\d{6,7}|[4-6]\\d{6,8}"},
    "255": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:[25-8]\\d|41|90)\\d{7}"},
    "256": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "800\\d{6}|(?:[29]0|[347]\\d)\\d{7}"},
    "257": {"lengths": [8], "pattern": "(?:[267]\\d|31)\\d{6}"},
    "258": {"lengths": [8, 9], "pattern": "(?:2|8\\d)\\d{7}"},
    "260": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "800\\d{6}|(?:21|[579]\\d|63)\\d{7}"},
    "261": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[23]\\d{8}"},
    "262": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:709\\d{6}|(?:26|[689]\\d)\\d{7})|(?:(?:639\\d|7093)\\d{5}|(?:26|80|9\\d)\\d{7})"},
    "263": {"lengths": [7, 9, 10], "trunk": "0", "strip": "0", "pattern": "8\\d{6}(?:\\d{3})?|[235-8]\\d{8}"},
    "264": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "[68]\\d{7,8}"},
    "265": {"lengths": [7, 9], "trunk": "0", "strip": "0", "pattern": "(?:[1289]\\d|31|77)\\d{7}|1\\d{6}"},
    "266": {"lengths": [8], "pattern": "(?:[256]\\d\\d|800)\\d{5}"},
    "267": {"lengths": [7, 8, 10], "pattern": "90\\d{5}|(?:0800|[2-6]|(?:7|800)\\d)\\d{6}"},
    "268": {"lengths": [8, 9], "pattern": "0800\\d{4}|(?:[237]\\d|900)\\d{6}"},
    "269": {"lengths": [7], "pattern": "[3478]\\d{6}"},
    "290": {"lengths": [4, 5], "pattern": "(?:(?:[2569]\\d|8)\\d{3})|(?:8\\d{3})"},
    "291": {"lengths": [7], "trunk": "0", "strip": "0", "pattern": "[178]\\d{6}"},
    "297": {"lengths": [7], "pattern": "(?:[25-79]\\d\\d|800)\\d{4}"},
    "298": {"lengths": [6], "strip": "(10(?:01|[12]0|88))", "pattern": "[2-9]\\d{5}"},
    "299": {"lengths": [6], "pattern": "(?:19|[2-689]\\d|70)\\d{4}"},
    "350": {"lengths": [8], "pattern": "(?:[25]\\d|60)\\d{6}"},
    "351": {"lengths": [9], "pattern": "1693\\d{5}|(?:[26-9]\\d|30)\\d{7}"},
    "352": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11], "strip": "(15(?:0[06]|1[12]|[35]5|4[04]|6[26]|77|88|99)\\d)", "pattern": "35[013-9]\\d{4,8}|6\\d{8}|35\\d{2,4}|(?:[2457-9]\\d|3[0-46-9])\\d{2,9}"},
    "353": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:1\\d|[2569])\\d{6,8}|4\\d{6,9}|7\\d{8}|8\\d{8,9}"},
    "354": {"lengths": [7, 9], "pattern": "(?:38\\d|[4-9])\\d{6}"},
    "355": {"lengths": [6, 7, 8, 9], "trunk": "0", "strip": "0", "pattern": "(?:700\\d\\d|900)\\d{3}|8\\d{5,7}|(?:[2-5]|6\\d)\\d{7}"},
    "356": {"lengths": [8], "pattern": "3550\\d{4}|(?:[2579]\\d\\d|800)\\d{5}"},
    "357": {"lengths": [8], "pattern": "(?:[279]\\d|[58]0)\\d{6}"},
    "358": {"lengths": [5, 6, 7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "(?:[1-35689]\\d{4}|7\\d{10,11}|(?:[124-7]\\d|3[0-46-9])\\d{8}|[1-9]\\d{5,8})|(?:2\\d{4,9}|35\\d{4,5}|(?:60\\d\\d|800)\\d{4,6}|7\\d{5,11}|(?:[14]\\d|3[0-46-9]|50)\\d{4,8})"},
    "359": {"lengths": [6, 7, 8, 9, 12], "trunk": "0", "strip": "0", "pattern": "00800\\d{7}|[2-7]\\d{6,7}|[89]\\d{6,8}|2\\d{5}"},
    "370": {"lengths": [8], "trunk": "0", "strip": "[08]", "pattern": "(?:[3469]\\d|52|[78]0)\\d{6}"},
    "371": {"lengths": [8], "pattern": "(?:[268]\\d|78|90)\\d{6}"},
    "372": {"lengths": [7, 8, 10], "pattern": "8\\d{9}|[4578]\\d{7}|(?:[3-8]\\d|90)\\d{5}"},
    "373": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "(?:[235-7]\\d|[89]0)\\d{6}"},
    "374": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "(?:[1-489]\\d|55|60|77)\\d{6}"},
    "375": {"lengths": [6, 7, 8, 9, 10, 11], "trunk": "8", "strip": "0|80?", "pattern": "(?:[12]\\d|33|44|902)\\d{7}|8(?:0[0-79]\\d{5,7}|[1-7]\\d{9})|8(?:1[0-489]|[5-79]\\d)\\d{7}|8[1-79]\\d{6,7}|8[0-79]\\d{5}|8\\d{5}"},
    "376": {"lengths": [6, 8, 9], "pattern": "(?:1|6\\d)\\d{7}|[135-9]\\d{5}"},
    "377": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[3489]|[67]\\d)\\d{7}"},
    "378": {"lengths": [8, 10], "pattern": "(?:0549|[5-7]\\d)\\d{6}"},
    "380": {"lengths": [9, 10], "trunk": "0", "strip": "0", "pattern": "[89]\\d{9}|[3-9]\\d{8}"},
    "381": {"lengths": [6, 7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "38[02-9]\\d{6,9}|6\\d{7,9}|90\\d{4,8}|38\\d{5,6}|(?:7\\d\\d|800)\\d{3,9}|(?:[12]\\d|3[0-79])\\d{5,10}"},
    "382": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:20|[3-79]\\d)\\d{6}|80\\d{6,7}"},
    "383": {"lengths": [8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "2\\d{7,8}|3\\d{7,11}|(?:4\\d\\d|[89]00)\\d{5}"},
    "385": {"lengths": [7, 8, 9], "trunk": "0", "strip": "0", "pattern": "[2-69]\\d{8}|80\\d{5,7}|[1-79]\\d{7}|6\\d{6}"},
    "386": {"lengths": [5, 6, 7, 8], "trunk": "0", "strip": "0", "pattern": "[1-7]\\d{7}|8\\d{4,7}|90\\d{4,6}"},
    "387": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "6\\d{8}|(?:[35689]\\d|49|70)\\d{6}"},
    "389": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "[2-578]\\d{7}"},
    "420": {"lengths": [9, 10, 11, 12], "pattern": "(?:[2-578]\\d|60)\\d{7}|9\\d{8,11}"},
    "421": {"lengths": [6, 7, 9], "trunk": "0", "strip": "0", "pattern": "[2-689]\\d{8}|[2-59]\\d{6}|[2-5]\\d{5}"},
    "423": {"lengths": [7, 9], "trunk": "0", "strip": "(1001)|0", "pattern": "[68]\\d{8}|(?:[2378]\\d|90)\\d{5}"},
    "500": {"lengths": [5], "pattern": "[2-7]\\d{4}"},
    "501": {"lengths": [7, 11], "pattern": "(?:0800\\d|[2-8])\\d{6}"},
    "502": {"lengths": [8, 11], "pattern": "80\\d{6}|(?:1\\d{3}|[2-7])\\d{7}"},
    "503": {"lengths": [7, 8, 11], "pattern": "[25-7]\\d{7}|(?:80\\d|900)\\d{4}(?:\\d{4})?"},
    "504": {"lengths": [8, 11], "pattern": "8\\d{10}|[237-9]\\d{7}"},
    "505": {"lengths": [8], "pattern": "(?:1800|[25-8]\\d{3})\\d{4}"},
    "506": {"lengths": [8, 10], "strip": "(19(?:0[0-2468]|1[09]|20|66|77|99))", "pattern": "(?:8\\d|90)\\d{8}|(?:[24-8]\\d{3}|3005)\\d{4}"},
    "507": {"lengths": [7, 8, 10, 11], "pattern": "(?:00800|8\\d{3})\\d{6}|[68]\\d{7}|[1-57-9]\\d{6}"},
    "508": {"lengths": [6, 9], "trunk": "0", "strip": "0", "pattern": "[78]\\d{8}|[2-9]\\d{5}"},
    "509": {"lengths": [8], "pattern": "[2-589]\\d{7}"},
    "590": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "7090\\d{5}|(?:[56]9|[89]\\d)\\d{7}"},
    "591": {"lengths": [8, 9], "trunk": "0", "strip": "0(1\\d)?", "pattern": "(?:[2-7]\\d\\d|8001)\\d{5}"},
    "592": {"lengths": [7], "pattern": "(?:[2-8]\\d{3}|9008)\\d{3}"},
    "593": {"lengths": [8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "1\\d{9,10}|(?:[2-7]|9\\d)\\d{7}"},
    "594": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:694\\d|7093)\\d{5}|(?:59|[89]\\d)\\d{7}"},
    "595": {"lengths": [6, 7, 8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "[36-8]\\d{5,8}|4\\d{6,8}|59\\d{6}|9\\d{5,10}|(?:2\\d|5[0-8])\\d{6,7}"},
    "596": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "7091\\d{5}|(?:[56]9|[89]\\d)\\d{7}"},
    "597": {"lengths": [6, 7], "pattern": "(?:[2-5]|[6-9]\\d)\\d{5}"},
    "598": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "0004\\d{2,9}|[1249]\\d{7}|2\\d{3,4}|(?:[49]\\d|80)\\d{5}"},
    "599": {"lengths": [7, 8], "pattern": "(?:(?:[34]1|60|(?:7|9\\d)\\d)\\d{5})|(?:(?:[34]1|7\\d)\\d{5})"},
    "670": {"lengths": [7, 8], "pattern": "7\\d{7}|(?:[2-47]\\d|[89]0)\\d{5}"},
    "672": {"lengths": [6], "pattern": "[13]\\d{5}"},
    "673": {"lengths": [7], "pattern": "[2-578]\\d{6}"},
    "674": {"lengths": [7], "pattern": "(?:222|444|(?:55|8\\d)\\d|666|777|999)\\d{4}"},
    "675": {"lengths": [7, 8], "pattern": "(?:180|[78]\\d{3})\\d{4}|(?:[2-589]\\d|64)\\d{5}"},
    "676": {"lengths": [5, 7], "pattern": "(?:0800|(?:[5-8]\\d\\d|999)\\d)\\d{3}|[2-8]\\d{4}"},
    "677": {"lengths": [5, 7], "pattern": "[6-9]\\d{6}|[1-6]\\d{4}"},
    "678": {"lengths": [5, 7], "pattern": "[57-9]\\d{6}|(?:[238]\\d|48)\\d{3}"},
    "679": {"lengths": [7, 11], "pattern": "45\\d{5}|(?:0800\\d|[235-9])\\d{6}"},
    "680": {"lengths": [7], "pattern": "(?:[24-8]\\d\\d|345|900)\\d{4}"},
    "681": {"lengths": [6, 9], "pattern": "(?:40|72|8\\d{4})\\d{4}|[89]\\d{5}"},
    "682": {"lengths": [5], "pattern": "[2-578]\\d{4}"},
    "683": {"lengths": [4, 7], "pattern": "(?:[4-7]|888\\d)\\d{3}"},
    "685": {"lengths": [5, 6, 7, 10], "pattern": "(?:[2-6]|8\\d{5})\\d{4}|[78]\\d{6}|[68]\\d{5}"},
    "686": {"lengths": [5, 8], "trunk": "0", "strip": "0", "pattern": "(?:[37]\\d|6[0-79])\\d{6}|(?:[2-48]\\d|50)\\d{3}"},
    "687": {"lengths": [6], "pattern": "(?:050|[2-57-9]\\d\\d)\\d{3}"},
    "688": {"lengths": [5, 6, 7], "pattern": "(?:2|7\\d\\d|90)\\d{4}"},
    "689": {"lengths": [6, 8, 9], "pattern": "4\\d{5}(?:\\d{2})?|8\\d{7,8}"},
    "690": {"lengths": [4, 5, 6, 7], "pattern": "[2-47]\\d{3,6}"},
    "691": {"lengths": [7], "pattern": "(?:[39]\\d\\d|820)\\d{4}"},
    "692": {"lengths": [7], "trunk": "1", "strip": "1", "pattern": "329\\d{4}|(?:[256]\\d|45)\\d{5}"},
    "800": {"lengths": [8], "pattern": "(?:00|[1-9]\\d)\\d{6}", "worldwide": true},
    "808": {"lengths": [8], "pattern": "[1-9]\\d{7}", "worldwide": true},
    "850": {"lengths": [8, 10], "trunk": "0", "strip": "0", "pattern": "85\\d{6}|(?:19\\d|[2-7])\\d{7}"},
    "852": {"lengths": [5, 6, 7, 8, 9, 11], "pattern": "8[0-46-9]\\d{6,7}|9\\d{4,7}|(?:[2-7]|9\\d{3})\\d{7}"},
    "853": {"lengths": [7, 8], "pattern": "0800\\d{3}|(?:28|[68]\\d)\\d{6}"},
    "855": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "1\\d{9}|[1-9]\\d{7,8}"},
    "856": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:2\\d|3)\\d{8}|(?:[235-8]\\d|41)\\d{6}"},
    "870": {"lengths": [9, 12], "pattern": "7\\d{11}|[235-7]\\d{8}", "worldwide": true},
    "878": {"lengths": [12], "pattern": "10\\d{10}", "worldwide": true},
    "880": {"lengths": [6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[1-469]\\d{9}|8[0-79]\\d{7,8}|[2-79]\\d{8}|[2-9]\\d{7}|[3-9]\\d{6}|[57-9]\\d{5}"},
    "881": {"lengths": [9, 10], "pattern": "6\\d{9}|[0-36-9]\\d{8}", "worldwide": true},
    "882": {"lengths": [7, 8, 9, 10, 11, 12], "pattern": "[13]\\d{6}(?:\\d{2,5})?|[19]\\d{7}|(?:[25]\\d\\d|4)\\d{7}(?:\\d{2})?", "worldwide": true},
    "883": {"lengths": [8, 9, 10, 11, 12], "pattern": "(?:[1-4]\\d|51)\\d{6,10}", "worldwide": true},
    "886": {"lengths": [7, 8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "[2-689]\\d{8}|7\\d{9,10}|[2-8]\\d{7}|2\\d{6}"},
    "888": {"lengths": [11], "pattern": "\\d{11}", "worldwide": true},
    "960": {"lengths": [7, 10], "pattern": "(?:800|9[0-57-9]\\d)\\d{7}|[34679]\\d{6}"},
    "961": {"lengths": [7, 8], "trunk": "0", "strip": "0", "pattern": "[27-9]\\d{7}|[13-9]\\d{6}"},
    "962": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:(?:[2689]|7\\d)\\d|32|427|53)\\d{6}"},
    "963": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "[1-359]\\d{8}|[1-5]\\d{7}"},
    "964": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:1|7\\d\\d)\\d{7}|[2-6]\\d{7,8}"},
    "965": {"lengths": [7, 8], "pattern": "18\\d{5}|(?:[2569]\\d|41)\\d{6}"},
    "966": {"lengths": [9, 10], "trunk": "0", "strip": "0", "pattern": "(?:[15]\\d|800|92)\\d{7}"},
    "967": {"lengths": [7, 8, 9], "trunk": "0", "strip": "0", "pattern": "(?:1|7\\d)\\d{7}|[1-7]\\d{6}"},
    "968": {"lengths": [7, 8, 9], "pattern": "(?:1505|[279]\\d{3}|500)\\d{4}|800\\d{5,6}"},
    "970": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[2489]2\\d{6}|(?:1\\d|5)\\d{8}"},
    "971": {"lengths": [5, 6, 7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "(?:[4-7]\\d|9[0-689])\\d{7}|800\\d{2,9}|[2-4679]\\d{7}"},
    "972": {"lengths": [7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "1\\d{6}(?:\\d{3,5})?|[57]\\d{8}|[1-489]\\d{7}"},
    "973": {"lengths": [8], "pattern": "[136-9]\\d{7}"},
    "974": {"lengths": [7, 8, 9, 11], "pattern": "800\\d{4}|(?:2|800)\\d{6}|(?:0080|[3-7])\\d{7}"},
    "975": {"lengths": [7, 8], "pattern": "[178]\\d{7}|[2-8]\\d{6}"},
    "976": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[12]\\d{7,9}|[5-9]\\d{7}"},
    "977": {"lengths": [8, 10, 11], "trunk": "0", "strip": "0", "pattern": "(?:1\\d|9)\\d{9}|[1-9]\\d{7}"},
    "979": {"lengths": [9], "pattern": "[1359]\\d{8}", "worldwide": true},
    "992": {"lengths": [9], "pattern": "(?:[0-57-9]\\d|66)\\d{7}"},
    "993": {"lengths": [8], "trunk": "8", "strip": "8", "pattern": "[1-7]\\d{7}"},
    "994": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "365\\d{6}|(?:[124579]\\d|60|88)\\d{7}"},
    "995": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:[3-57]\\d\\d|800)\\d{6}"},
    "996": {"lengths": [9, 10], "trunk": "0", "strip": "0", "pattern": "8\\d{9}|[235-9]\\d{8}"},
    "998": {"lengths": [9], "pattern": "(?:20|33|[5-9]\\d)\\d{7}"}
  }'::jsonb -> calling_code;
$$;
comment on function app_hidden.phone_plan(text) is 'The numbering plan of a country calling code in use (the ITU-T''s, with libphonenumber''s data): {"lengths": how many digits its numbers have after the code, "pattern": the regular expression its national numbers match, "trunk": the national prefix typed before a national number, "strip": the regular expression of the prefixes dropped from a national number (the trunk, or a carrier code with it), "worldwide": true for a code of no country (+800)}, e.g. {"lengths": [9], "trunk": "0", "strip": "0", "pattern": …} for 255; null for a code not in use.';

-- The country code of a phone is read for a part of one too (a search), so it takes text.
drop function if exists app_hidden.country_calling_code(app_public.e164_phone);
create or replace function app_hidden.country_calling_code(phone text) returns app_public.calling_code
  language plpgsql immutable strict parallel safe
as $$
begin
  -- ITU-T E.164 country codes are prefix-free: at most one of the first one, two and three digits is a code
  for n in 1..3 loop
    if app_hidden.phone_plan(substr(phone, 2, n)) is not null then
      return substr(phone, 2, n);
    end if;
  end loop;
  return null;
end;
$$;
comment on function app_hidden.country_calling_code(text) is 'The country calling code of a phone number in E.164 form, or of the start of one: 255 for +255712345678 or +2557, 44 for +442071234567, 1 for +14155550100; null when it starts with no code in use (+999…).';

create or replace function app_hidden.is_country_code(calling_code text) returns boolean
  language sql immutable parallel safe
as $$
  select coalesce(not app_hidden.phone_plan(calling_code) ? 'worldwide', false);
$$;
comment on function app_hidden.is_country_code(text) is 'Whether `calling_code` is a country''s code in use (255), not one of no country (800) nor one not in use (999): what a clinic''s calling code and DEFAULT_CALLING_CODE must be.';

create or replace function app_hidden.phone_text(raw text) returns text
  language sql immutable parallel safe
as $$
  -- digits of other scripts (Arabic-Indic, Persian) as ASCII digits, spaces of any kind as spaces, and
  -- hyphens, dashes and minus signs as dashes: what is pasted from documents and other keyboards
  select regexp_replace(regexp_replace(translate(raw, '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', '01234567890123456789'),
    '[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]', ' ', 'g'), '[\u2010-\u2015\u2212]', '-', 'g');
$$;
comment on function app_hidden.phone_text(text) is 'A phone number as typed or pasted, in the characters normalize_phone and phone_search_term read: ASCII digits for Arabic-Indic and Persian ones, a space for a space of any kind (a no-break space), a dash for a hyphen, en or em dash or minus sign.';

create or replace function app_hidden.phone_readings(plan jsonb, calling_code text, versions text[]) returns text[]
  language plpgsql immutable parallel safe
as $$
declare
  v_readings text[] := '{}';
  v_version text;
  v_digits text;
  v_stripped text;
begin
  -- for each version of the digits typed after the code (or in national form), in the order they are
  -- preferred: without the national prefix (0712… → 712…: the trunk typed before a national number or
  -- after the code), as typed; then the same after the country code typed in front of them (255712…,
  -- 255 0712… → 712…: the code typed without + or 00, or twice)
  foreach v_version in array versions loop
    continue when v_version is null;
    foreach v_digits in array array[v_version, case when v_version like calling_code || '_%' then substr(v_version, length(calling_code) + 1) end] loop
      continue when v_digits is null;
      if plan ? 'strip' then
        v_stripped := regexp_replace(v_digits, '^(?:' || (plan ->> 'strip') || ')', '');
        if v_stripped <> v_digits then
          v_readings := v_readings || v_stripped;
        end if;
      end if;
      v_readings := v_readings || v_digits;
    end loop;
  end loop;
  return v_readings;
end;
$$;
comment on function app_hidden.phone_readings(jsonb, text, text[]) is 'The readings national_number weighs, in the order preferred, of each of `versions` of the digits typed for a number of `calling_code` (with its `plan`): without the national prefix, as typed, and the same after the country code typed in front of them (without + or 00, or twice).';

create or replace function app_hidden.phone_length_allowed(plan jsonb, calling_code text, digits text) returns boolean
  language sql immutable parallel safe
as $$
  select plan -> 'lengths' @> to_jsonb(length(digits)) and length(calling_code) + length(digits) between 7 and 15;
$$;
comment on function app_hidden.phone_length_allowed(jsonb, text, text) is 'Whether `digits`, a reading of a number after its code, have a length the `plan` of `calling_code` allows, and 7 to 15 digits with the code.';

create or replace function app_hidden.national_number(calling_code text, typed text[], guessed text[] default '{}') returns text
  language plpgsql immutable parallel safe
as $$
declare
  v_plan jsonb := app_hidden.phone_plan(calling_code);
  v_readings text[] := app_hidden.phone_readings(v_plan, calling_code, typed);
  v_reading text;
begin
  -- the first reading that is one of the plan's numbers (its length and its pattern), the guessed
  -- versions' last ...
  foreach v_reading in array v_readings || app_hidden.phone_readings(v_plan, calling_code, guessed) loop
    if app_hidden.phone_length_allowed(v_plan, calling_code, v_reading) and v_reading ~ ('^(?:' || (v_plan ->> 'pattern') || ')$') then
      return v_reading;
    end if;
  end loop;
  -- ... else the first of the typed versions' of a length the plan allows, where no number starts with 0
  -- if the trunk prefix is 0
  foreach v_reading in array v_readings loop
    if app_hidden.phone_length_allowed(v_plan, calling_code, v_reading) and not coalesce(v_plan ->> 'trunk' like '0%' and v_reading like '0%', false) then
      return v_reading;
    end if;
  end loop;
  return null;
end;
$$;
comment on function app_hidden.national_number(text, text[], text[]) is 'The digits of a number of `calling_code` after the code, read as libphonenumber reads them from the digits typed after it or in national form (`typed`: one or more versions of them, in the order preferred; `guessed`: versions taken only if they make one of the plan''s numbers): of their readings (phone_readings), the first that is one of the plan''s numbers, else the first of the typed ones of an allowed length (0712345678 → 712345678 at 255; 84951234567 → 4951234567 at 7; 8001234567 → itself at 375, Belarus''s toll-free numbers beginning with its trunk 8; 0612345678 → itself at 39, which has no trunk prefix; 919876543210 → 9876543210 at 91; 610412345678 → 412345678 at 61); null when none is (the wrong length, or a 0 left after the trunk 0 is dropped).';

create or replace function app_hidden.phone_is_valid(phone app_public.e164_phone) returns boolean
  language plpgsql immutable strict parallel safe
as $$
declare
  v_code text := app_hidden.country_calling_code(phone);
begin
  return coalesce(substr(phone, 2 + length(v_code)) ~ ('^(?:' || (app_hidden.phone_plan(v_code) ->> 'pattern') || ')$'), false);
end;
$$;
comment on function app_hidden.phone_is_valid(app_public.e164_phone) is 'Whether a phone in E.164 form is one of its country''s numbers by its plan''s pattern (libphonenumber''s isValid), not only of a length the plan allows.';

create or replace function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code default null)
  returns app_public.e164_phone
  language plpgsql immutable
as $$
declare
  v_text text := btrim(app_hidden.phone_text(raw));
  v_digits text;
  v_without_0 text;
  v_code text;
  v_national text;
  v_international boolean;
  v_plan jsonb;
  v_lengths int[];
begin
  if v_text is null or v_text = '' then
    raise exception 'A phone number is required.' using errcode = 'CINPH';
  end if;
  -- Separators people type: spaces, dashes, dots, slashes and brackets.
  v_digits := regexp_replace(v_text, '[[:space:]()./-]', '', 'g');
  if length(v_text) > 32 or v_digits !~ '^\+?[0-9]+$' then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;

  v_international := v_digits like '+%' or v_digits like '00%';
  if v_international then
    -- International form; a "(0)" after the code is the national trunk prefix some people add, read as a
    -- trunk prefix typed there (and kept where the country has none: Italy's numbers start with 0), else
    -- left out (+1 (0) 212…).
    v_digits := regexp_replace(v_digits, '[^0-9]', '', 'g');
    v_without_0 := regexp_replace(replace(v_text, '(0)', ''), '[^0-9]', '', 'g');
    if v_digits like '00%' and v_text !~ '^[[:space:](]*\+' then
      v_digits := substr(v_digits, 3);
      v_without_0 := substr(v_without_0, 3);
    end if;
    if v_digits !~ '^[1-9][0-9]{6,14}$' then
      raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := app_hidden.country_calling_code('+' || v_digits);
    if v_code is null then
      raise exception 'This is not a phone number: it does not start with a country code in use.' using errcode = 'CINPH';
    end if;
    v_national := app_hidden.national_number(v_code,
      array[substr(v_digits, length(v_code) + 1), nullif(substr(v_without_0, length(v_code) + 1), substr(v_digits, length(v_code) + 1))],
      -- a national 0 left out (+39 6…, for +39 06…), as the older rules left it out of national numbers
      array[case when v_code not in ('1', '7') then '0' || substr(v_digits, length(v_code) + 1) end]);
  else
    if default_calling_code is null then
      raise exception 'This phone number has no country code: start it with + and the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := default_calling_code;
    if app_hidden.phone_plan(v_code) is null then
      raise exception 'This phone number has no country code, and +%, the code that would complete it, is not one in use: start it with + and the country code.', v_code
        using errcode = 'CINPH';
    end if;
    v_national := app_hidden.national_number(v_code, array[v_digits], array[case when v_code not in ('1', '7') then '0' || v_digits end]);
  end if;

  if v_national is null then
    v_plan := app_hidden.phone_plan(v_code);
    v_lengths := array(
      select n from (select jsonb_array_elements_text(v_plan -> 'lengths')::int as n) l
      where length(v_code) + n between 7 and 15 order by n);
    raise exception '%', format(
      case when v_international
        then 'This is not a phone number: a number of country code +%s has %s digits after it%s.'
        else 'This is not a phone number of country code +%s, which completes numbers typed without one: a number there has %s digits%s. Type a number of another country with + and its country code.'
      end,
      v_code,
      case
        when cardinality(v_lengths) = 1 then v_lengths[1]::text
        when cardinality(v_lengths) > 2 and v_lengths[cardinality(v_lengths)] - v_lengths[1] + 1 = cardinality(v_lengths)
          then v_lengths[1] || ' to ' || v_lengths[cardinality(v_lengths)]
        else array_to_string(v_lengths[1:cardinality(v_lengths) - 1], ', ') || ' or ' || v_lengths[cardinality(v_lengths)]
      end,
      coalesce(', not counting the national prefix ' || (v_plan ->> 'trunk'), ''))
      using errcode = 'CINPH';
  end if;
  v_digits := v_code || v_national;
  -- North America's area code and exchange never start with 0 or 1.
  if v_code = '1' and v_digits !~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
    raise exception 'This is not a phone number: a number of country code +1 has 10 digits after it, the first and the fourth from 2 to 9.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$$;
comment on function app_public.normalize_phone(text, app_public.calling_code) is 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678", "255 712 345 678", "+255 (0) 712…" and "8 495 123-45-67" with calling code 7) into E.164, reading it as libphonenumber does with its country''s numbering plan (app_hidden.phone_plan, app_hidden.national_number): `default_calling_code` completes national numbers, whose national prefix is dropped (0 at 255, 8 at 7; none at 39: 06 1234 5678 → +390612345678), as it is when typed after the code, and a national 0 left out is put back where the number is none of its country''s without it (+39 6…, 6… at 39); the number must have as many digits after the code as the plan allows (9 at 255, exactly 10 at 1 and 7) and start with a code in use; raises INVALID_PHONE naming the rule (and the code national numbers were completed with) for anything that is not a phone number.';

-- Warnings of a migration that an operator must act on, kept where the next start reads them (db/setup.ts
-- logs each once): graphile-migrate shows no WARNING of PostgreSQL.
create table if not exists app_private.upgrade_warning (
  id bigint generated always as identity primary key,
  migration text not null,
  message text not null,
  raised_at timestamptz not null default now(),
  shown_at timestamptz
);
alter table app_private.upgrade_warning enable row level security;
alter table app_private.upgrade_warning force row level security;
drop policy if exists owner_only on app_private.upgrade_warning;
create policy owner_only on app_private.upgrade_warning to :DATABASE_OWNER using (true);
comment on table app_private.upgrade_warning is 'What a migration found that needs an operator (phones it could not correct, say): the next start logs each warning once.';
comment on column app_private.upgrade_warning.id is 'In the order raised.';
comment on column app_private.upgrade_warning.migration is 'The migration that raised it (000086).';
comment on column app_private.upgrade_warning.message is 'What was found and what to do, with the page of docs/ that tells how.';
comment on column app_private.upgrade_warning.raised_at is 'When the migration ran.';
comment on column app_private.upgrade_warning.shown_at is 'When a start logged it (each warning is logged once), null until then.';

-- A clinic's calling code completes its national numbers: a country's code in use, checked when it is set.
-- Its phone is read again only when it changes (a phone saved under older rules no longer blocks a change
-- of calling code). A new clinic whose owner's phone is of no country (+800…) starts without one.
create or replace function app_private.tg_clinic__normalize_phone() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' and app_hidden.phone_plan(new.calling_code) ? 'worldwide' then
    new.calling_code := null; -- from create_clinic_with_owner, read off its owner's phone
  elsif (tg_op = 'INSERT' or new.calling_code is distinct from old.calling_code) and new.calling_code is not null
        and not app_hidden.is_country_code(new.calling_code) then
    raise exception 'The calling code +% is not a country''s code in use: give the code of the clinic''s country.', new.calling_code
      using errcode = 'CINVL';
  end if;
  if new.phone ~ '^\s*$' then
    new.phone := null;
  elsif new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone := app_public.normalize_phone(new.phone, coalesce(new.calling_code, app_hidden.calling_code_for(null)));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__normalize_phone() is 'Trigger: refuses a calling code that is no country''s code in use when it is set (a new clinic''s of no country is left out), and normalises the clinic''s phone with its calling code (or the deployment default) when it changes, blank meaning none.';

-- A search typed as a phone reads it as registration does: a whole number exactly as normalize_phone
-- reads it (+7 8 495 912-73-37 looks for +74959127337); in part, a national 0 is kept where the country
-- has no trunk prefix (06 12… at a +39 clinic looks for +390612…), and a trunk 0 typed after the code,
-- in brackets or not, is dropped (+255 0712… and +255 (0) 712… look for +255712…).
create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) returns text
  language plpgsql immutable parallel safe
as $$
declare
  v_typed text := btrim(app_hidden.phone_text(query));
  v_trunk text := app_hidden.phone_plan(calling_code) ->> 'trunk';
  v_whole app_public.e164_phone;
  v_digits text;
  v_prefix text := '';
  v_own text;
  v_code text;
  v_code_trunk text;
begin
  if v_typed !~ '[0-9]' or v_typed ~ '[^0-9[:space:]()./+-]' then
    return null; -- not a phone: names and codes are matched as typed
  end if;
  v_digits := regexp_replace(v_typed, '[[:space:]()./-]', '', 'g');
  -- a whole number, typed as one is typed in full (with its + or 00, or its national prefix) and read as
  -- one of its country's numbers: as registration reads it
  if v_digits ~ '^\+?[0-9]{7,}$' and (v_digits ~ '^[+0]' or v_digits like v_trunk || '%') then
    begin
      v_whole := app_public.normalize_phone(v_typed, calling_code);
    exception when sqlstate 'CINPH' then
      null; -- a part of one
    end;
    if app_hidden.phone_is_valid(v_whole) then
      return v_whole;
    end if;
  end if;
  v_own := v_digits;
  if v_digits like '00%' then
    v_prefix := '+'; -- international, 00 for +
    v_own := substr(v_digits, 3);
  elsif v_digits like '0%' and calling_code is not null then
    v_prefix := '+' || calling_code; -- national
    if v_trunk is null then
      v_own := v_digits; -- the country has no trunk prefix: the 0 is the number's
    elsif v_digits like v_trunk || '%' then
      v_own := substr(v_digits, length(v_trunk) + 1);
    else
      v_own := substr(v_digits, 2);
    end if;
  end if;
  if char_length(regexp_replace(v_own, '[^0-9]', '', 'g')) < 2 then
    return null; -- no more than a prefix
  end if;
  v_digits := v_prefix || v_own;
  -- international: a trunk prefix 0 typed after the code, with more after it, is dropped as registration drops it
  if v_digits like '+%' then
    v_code := app_hidden.country_calling_code(v_digits);
    v_code_trunk := app_hidden.phone_plan(v_code) ->> 'trunk';
    if v_code_trunk like '0%' and substr(v_digits, 2 + length(v_code)) like v_code_trunk || '_%' then
      return '+' || v_code || substr(v_digits, 2 + length(v_code) + length(v_code_trunk));
    end if;
  end if;
  return v_digits;
end;
$$;
comment on function app_hidden.phone_search_term(text, app_public.calling_code) is 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators: a whole number (one of its country''s numbers) as normalize_phone reads it (0712 345 678 → +255712345678 with calling code 255; 8 (495) 765-43-21 → +74957654321 with calling code 7; +7 8 495 765-43-21 → +74957654321); a part of one with its national 0 or 00 made international (0712 345 → +255712345; 00255 712 → +255712; +255 0713 and +255 (0) 713 → +255713, the trunk prefix after the code dropped; 06 12 → +390612 with calling code 39, whose numbers keep their 0; 345-678 → 345678; 8 495 765 → 8495765, 8 also beginning Russian area codes); spaces of any kind, dashes and digits of other scripts read as normalize_phone reads them; null when the query is not phone-like (it has letters, or no digit) or has fewer than 2 digits after its 00, + or trunk prefix (00, 0-, +2: every phone would match).';

-- Phones saved under the older rules are read again with today's: the ones their people typed with the
-- trunk prefix after the code (+2550712345678) or the country code twice (+255255712345678, typed
-- 255712345678 at a +255 clinic) are corrected, so that they log in and are found by the form they type.
-- This takes over from 000070's correction of +1 and +7 phones, which it covers.
drop function if exists app_private.correct_trunk_phones();
drop function if exists app_private.trunk_phone_corrected(text);

create or replace function app_private.saved_phone_corrected(phone text) returns text
  language plpgsql immutable strict
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- read again as registration reads a phone today, so that what it saves is left as it is
  return app_public.normalize_phone(phone);
exception when sqlstate 'CINPH' then
  return null;
end;
$$;
comment on function app_private.saved_phone_corrected(text) is 'A phone saved under older rules as today''s read it: itself when it is one of its country''s numbers as it stands, else without the trunk prefix saved after the code (+2550712345678 → +255712345678, +784951234567 → +74951234567), without its country code saved twice (+255255712345678 → +255712345678, +91919876543210 → +919876543210), or with the 0 a national number lost put back (+39612345678 → +390612345678, +225707123451 → +2250707123451), whichever is one of its country''s numbers first: normalize_phone''s reading, so that a phone registration saves is left as it is; null when it is no phone even so (+25512345, +9991234567).';
revoke all on function app_private.saved_phone_corrected(text) from public;

create or replace function app_private.correct_saved_phones() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row record;
  v_left integer := 0;
begin
  for v_row in
    -- each phone read once (materialized: inlined, the function ran in the filter and again in the list)
    with saved as (
      select 'user' as kind, u.id, u.phone as saved from app_public."user" u
      union all select 'patient', p.id, p.phone from app_public.patient p where p.phone is not null
      union all select 'clinic', c.id, c.phone from app_public.clinic c where c.phone is not null
    ), read as materialized (
      select s.kind, s.id, s.saved, app_private.saved_phone_corrected(s.saved) as phone from saved s
    )
    select * from read where phone is distinct from saved
  loop
    if v_row.phone is null then
      v_left := v_left + 1; -- no phone by today's rules: left for someone who knows it
      continue;
    end if;
    begin
      -- only if it is still the phone read above: one changed since is left as its writer typed it
      case v_row.kind
        when 'user' then update app_public."user" u set phone = v_row.phone where u.id = v_row.id and u.phone = v_row.saved;
        when 'patient' then update app_public.patient p set phone = v_row.phone where p.id = v_row.id and p.phone = v_row.saved;
        else update app_public.clinic c set phone = v_row.phone where c.id = v_row.id and c.phone = v_row.saved;
      end case;
    exception when others then
      v_left := v_left + 1;
    end;
  end loop;
  return v_left;
end;
$$;
comment on function app_private.correct_saved_phones() is 'Corrects the users'', patients'' and clinics'' phones that today''s rules read otherwise (saved_phone_corrected), each change audited, a phone changed meanwhile left as it is; answers how many phones were left: no phone by today''s rules (the wrong number of digits for their country, or no country code in use), or the row cannot take the corrected phone (another account has it, or the row breaks a newer rule). Run by 000086; an operator may run it again.';
revoke all on function app_private.correct_saved_phones() from public;

create or replace function app_private.warn_of_phones_left(phones_left integer) returns void
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinics integer := (
    select count(*) from app_public.clinic c
    where c.calling_code is not null and not app_hidden.is_country_code(c.calling_code));
begin
  if phones_left > 0 then
    insert into app_private.upgrade_warning (migration, message) values ('000086', format(
      '%s saved phones are not phone numbers by today''s rules, or could not be corrected (another account has the corrected phone): their people cannot log in, or be found by phone, until they are corrected by hand (docs/operations.md, "Migrations")', phones_left));
  end if;
  if v_clinics > 0 then
    insert into app_private.upgrade_warning (migration, message) values ('000086', format(
      '%s clinics have a calling code that is no country''s code in use: their national numbers are refused until an owner sets the code of their country (docs/operations.md, "Migrations")', v_clinics));
  end if;
end;
$$;
comment on function app_private.warn_of_phones_left(integer) is 'Leaves the operators a warning (upgrade_warning) of the `phones_left` phones correct_saved_phones could not correct, and of the clinics whose calling code is no country''s code in use, when there are any. Run by 000086.';
revoke all on function app_private.warn_of_phones_left(integer) from public;

select app_private.warn_of_phones_left(app_private.correct_saved_phones());
