# چارچوب گزارش: عنوان، خلاصه‌ی اجرا، جدول پوشش، عنوان بخش‌ها، سطر زیر عنوان هر آزمایش
# و واژه‌هایی که همه‌ی بخش‌ها به کار می‌برند. واژه‌های لاتین (top-1، LoRA، ...) را
# گزارش خودکار در جداساز دوسویه (LRI … PDI) می‌گذارد.

report-title = یادگیری عمیق — تمرین ۵: تطبیق مدل‌های پایه
report-summary = مجموعه‌ی آزمایش **{ $suite }**، اجرای { $run }، وضعیت **{ status-word }**: { $finished } آزمایش از { $total } آزمایش کامل شد{ $skipped ->
        [0] {""}
       *[other] ، { $skipped } آزمایش اجرا نشد
    }{ $failed ->
        [0] {""}
       *[other] ، { $failed } آزمایش ناموفق بود یا متوقف شد
    }.
report-generated = این گزارش در { $at } با adaptlab نسخه‌ی { $version } ساخته شد. همه‌ی اعداد این گزارش از نتایج همین اجرا خوانده شده‌اند.
report-footer = بذر تصادفی هر آزمایش کنار آن آمده است. برای ساخت دوباره‌ی این گزارش: `adaptlab report --run { $run }`
status-word = { $status ->
        [finished] کامل
        [failed] ناموفق
        [cancelled] لغوشده
        [interrupted] قطع‌شده
        [skipped] اجرانشده
       *[running] در حال اجرا
    }

heading-coverage = این گزارش به چه پاسخ می‌دهد
coverage-intro = هر بخش تمرین، قسمتی از گزارش که به آن پاسخ می‌دهد، و این‌که پاسخ بر اعداد همین اجرا تکیه دارد یا نه.
coverage-part = بخش تمرین
coverage-section = قسمت گزارش
coverage-answer = پاسخ
coverage-numbers = با اعداد همین اجرا
coverage-text = فقط به‌صورت متن
coverage-missing = هنوز نه: این اجرا آزمایشی برایش ندارد

heading-demo = بررسی خط لوله
heading-q1 = پرسش ۱ — ترکیب ماژول‌های کارا از نظر پارامتر
heading-q2 = پرسش ۲ — MoCo: ضریب تکانه، صف نمونه‌های منفی و افزایش داده‌ی آفلاین
heading-q3 = پرسش ۳ — CLIP بدون نمونه‌ی آموزشی روی Stanford Dogs
heading-q4 = پرسش ۴ — یک مدل زبانی فارسی: پرامپت نرم و روش‌های استدلال
heading-q5 = پرسش ۵ — ViT با LoRA روی Food101
question-not-run = هنوز اجرا نشده: این اجرا آزمایشی برای این پرسش ندارد.

part-q1a = پرسش ۱ (الف) هدف PEFT، روش‌های LoRA و (IA)³
part-q1b = پرسش ۱ (ب) چرا ترکیب ماژول‌ها بدون آموزش دوباره کمک می‌کند
part-q1c = پرسش ۱ (ج) ماژول‌هایی با مقداردهی اولیه‌ی متفاوت
part-q1d = پرسش ۱ (د) شواهد تعمیم ترکیب در فضای وزن‌ها
part-q1e = پرسش ۱ (ه) محدودیت‌ها برای مدل‌های زبانی بزرگ واقعی
part-q2a = پرسش ۲ (الف) ضریب تکانه
part-q2b = پرسش ۲ (ب) صف نمونه‌های منفی
part-q2c = پرسش ۲ (ج) ۲٬۰۰۰ تصویر MRI با افزایش داده‌ی آفلاین
part-q3a = پرسش ۳ (الف) دقت بدون نمونه
part-q3b = پرسش ۳ (ب) قالب‌های پرامپت
part-q3c = پرسش ۳ (ج) معیارهای هر کلاس و بدترین کلاس
part-q3d = پرسش ۳ (د) یک بردار آموزش‌پذیر برای هر کلاس
part-q3e = پرسش ۳ (ه) کاوشگر خطی
part-q3f = پرسش ۳ (و) مدل بزرگ‌تر
part-q4-soft = پرسش ۴ پرامپت نرم
part-q4-reasoning = پرسش ۴ روش‌های استدلال
part-q5-data = پرسش ۵ گام ۱: داده
part-q5-model = پرسش ۵ گام ۲: مدل و پیکربندی LoRA
part-q5-train = پرسش ۵ گام ۳: آموزش
part-q5-eval = پرسش ۵ گام ۴: ارزیابی
part-q5-predict = پرسش ۵ گام ۵: پیش‌بینی یک تصویر جدید

exp-meta = { $id } · بخش { $part } · وظیفه‌ی { $task } · بذر تصادفی { $seed } · دستگاه { $device }{ $seconds ->
        [none] {""}
       *[other] {" · "}زمان { SECS($seconds) }
    }{ $reused_from ->
        [none] {""}
       *[other] {" · "}نتیجه از اجرای { $reused_from } بازاستفاده شد
    }
exp-status = { $status ->
        [failed] **ناموفق:** { $error }
        [skipped] **هنوز اجرا نشده:** { $error }
        [cancelled] پیش از پایان **لغو شد**؛ برای کامل کردن، مجموعه را دوباره اجرا کنید.
        [interrupted] **قطع شد** (فرایند متوقف شد)؛ با اجرای دوباره‌ی مجموعه ادامه می‌یابد و آزمایش‌های کامل‌شده دوباره محاسبه نمی‌شوند.
       *[running] هنوز در حال اجراست.
    }
section-error = این قسمت ساخته نشد ({ $exp }: { $error })؛ آزمایش را با `--force` دوباره اجرا کنید.
artifact-missing = ({ $title } در دسترس نیست)

list-and = و
list-separator = {"، "}

## عنوان ستون‌های جدول‌ها (col-<key>).
col-accuracy_ovr = صحت (یک در برابر بقیه)
col-base = مدل کوچک‌تر
col-base_mean_per_class = میانگین کلاس‌ها، مدل کوچک‌تر
col-base_top1 = دقت top-1، مدل کوچک‌تر
col-base_top5 = دقت top-5، مدل کوچک‌تر
col-best_accuracy = بهترین دقت
col-best_at = بهترین در
col-best_epoch = بهترین دوره
col-change_points = تغییر (واحد درصد)
col-chosen = انتخاب روی اعتبارسنجی
col-class = کلاس
col-file = پرونده
col-problem = مشکل
col-class_names = نام کلاس‌ها
col-epoch = دوره
col-eval_accuracy = دقت ارزیابی
col-eval_loss = زیان ارزیابی
col-f1 = امتیاز F1
col-f1_after = امتیاز F1 پس از تغییر
col-f1_base = امتیاز F1 مدل کوچک‌تر
col-f1_before = امتیاز F1 پیش از تغییر
col-f1_large = امتیاز F1 مدل بزرگ‌تر
col-final_loss = زیان نهایی آموزش
col-heldout_f1 = امتیاز F1 کلاس روی داده‌ی کنارگذاشته
col-heldout_top1 = دقت top-1 روی داده‌ی کنارگذاشته
col-images = تعداد تصویر
col-images_per_s = تصویر در ثانیه
col-kind = نوع
col-label = برچسب
col-large = مدل بزرگ‌تر
col-large_mean_per_class = میانگین کلاس‌ها، مدل بزرگ‌تر
col-large_top1 = دقت top-1، مدل بزرگ‌تر
col-large_top5 = دقت top-5، مدل بزرگ‌تر
col-mean_per_class = میانگین دقت کلاس‌ها
col-method = روش
col-model = مدل
col-parameters = پارامترها
col-peak_rss_mib = بیشینه‌ی حافظه (MiB)
col-precision = دقت مثبت (precision)
col-predicted = پیش‌بینی‌شده به‌عنوان
col-probability = احتمال
col-prompt = پرامپت
col-quantity = کمیت
col-rank = رتبه
col-recall = بازیابی (recall)
col-role = نقش
col-runs = تعداد اجرا
col-saved_mib = اندازه‌ی ذخیره‌شده (MiB)
col-setting = تنظیم
col-share = سهم از کلاس درست
col-shots = تصویر برای هر کلاس
col-skipped = کنارگذاشته
col-state_mib = حالت آموزش (MiB)
col-step = گام
col-steps = گام‌ها
col-steps_per_s = گام در ثانیه
col-test_accuracy = دقت آزمون
col-top1 = دقت top-1
col-top1_change_points = تغییر دقت top-1 (واحد درصد)
col-top1_mean = میانگین دقت top-1
col-top1_std = انحراف معیار دقت top-1
col-top5 = دقت top-5
col-total = کل
col-train_loss = زیان آموزش
col-train_seconds = زمان آموزش (ثانیه)
col-trainable = آموزش‌پذیر
col-trainable_pct = درصد آموزش‌پذیر
col-true_class = کلاس درست
col-val_top1 = دقت top-1 اعتبارسنجی

## اصطلاح‌ها: روش‌ها، نقش‌ها و انواع (term-<key>).
term-zero_shot = بدون نمونه
term-text_init = (د۱) بردار کلاس، شروع متنی
term-random_init = (د۱) بردار کلاس، شروع تصادفی
term-coop = (د۲) توکن‌های زمینه‌ی CoOp
term-probe = (ه) کاوشگر خطی
term-lbfgs = (ه) رگرسیون لجستیک با L-BFGS
term-lora = LoRA
term-full = تنظیم دقیق کامل
term-ia3 = (IA)³
term-linear_probe = کاوشگر خطی
term-worst_class = بدترین کلاس
term-confused_with_it = اشتباه‌گرفته با آن
term-all_classes_top1 = همه‌ی کلاس‌ها (دقت top-1)
term-generic = عمومی
term-domain = حوزه‌ای
term-descriptive = توصیفی
term-ensemble = مجموعه
term-single = تکی
term-curated = پالایش‌شده
term-raw = خام
term-best_top1 = بهترین پرامپت
term-best_single_top1 = بهترین پرامپت تکی
term-ensemble7_top1 = مجموعه‌ی ۷ قالبی
term-ensemble80_top1 = مجموعه‌ی ۸۰ قالبی
term-generic_mean_top1 = قالب‌های عمومی (میانگین)
term-ensemble7 = مجموعه‌ی ۷ قالب (SIMPLE_IMAGENET)
term-ensemble80 = مجموعه‌ی ۸۰ قالب (OPENAI_IMAGENET)
term-ensemble_of_candidates = مجموعه‌ی همه‌ی پرامپت‌های بالا
term-shots-full = { $images ->
        [none] همه
       *[other] همه ({ $images })
    }
term-dog-specific = ویژه‌ی سگ
term-image-empty = پرونده‌ی خالی
term-image-truncated = ناقص (داده‌اش زودتر از تصویر تمام می‌شود)
term-image-too_large = بیش از سقف تعداد پیکسل
term-image-other_format = نه JPEG و نه PNG
term-image-corrupt = خراب یا غیرتصویری
term-macro_average = میانگین ماکرو
term-weighted_average = میانگین وزن‌دار
term-setting-lr = نرخ یادگیری { $lr }
term-setting-lr-wd = نرخ یادگیری { $lr }، کاهش وزن { $wd }
term-setting-c = C = { $c }
term-best-step = گام { $step } از { $steps }
term-lbfgs-iterations = { $iterations } تکرار{ $converged ->
        [no] {" "}(همگرا نشد)
       *[yes] {""}
    }

## عنوان نمودارها، محورها و خط‌ها.
plot-training-loss = زیان آموزش
axis-step = گام
axis-epoch = دوره
axis-optimizer-step = گام بهینه‌ساز
axis-shots = تصویر آموزشی برای هر کلاس
axis-test-top1-pct = دقت top-1 آزمون (٪)
series-train_loss = زیان آموزش
series-train_accuracy = دقت دسته‌ی آموزشی
series-test_accuracy = دقت آزمون
series-text_init_val_accuracy = (د۱) شروع متنی
series-random_init_val_accuracy = (د۱) شروع تصادفی
series-coop_val_accuracy = (د۲) CoOp
series-text_init_train_loss = (د۱) شروع متنی
series-random_init_train_loss = (د۱) شروع تصادفی
series-coop_train_loss = (د۲) CoOp
series-probe_val_accuracy = (ه) کاوشگر خطی
series-lora_eval_accuracy = LoRA
series-full_eval_accuracy = تنظیم دقیق کامل
series-probe_eval_accuracy = کاوشگر خطی
series-lora_train_loss = LoRA
series-full_train_loss = تنظیم دقیق کامل
series-probe_train_loss = کاوشگر خطی
series-lora_train_learning_rate = LoRA
series-ia3_eval_accuracy = (IA)³
series-ia3_train_loss = (IA)³

## متنی که بخش هر پرسش با آن آغاز می‌شود (intro-<question>).
intro-q1 = ماژول‌های کارا از نظر پارامتر (LoRA و (IA)³) که از یک مقداردهی اولیه‌ی مشترک آموزش دیده‌اند را می‌توان با عملیات حسابی روی پارامترهایشان ترکیب کرد: جمع، آموخته‌های دو ماژول را با هم ادغام می‌کند و نفی، آموخته‌ی یک ماژول را حذف می‌کند.
