# The report's frame: title, run summary, coverage table, section headings, the line
# under each experiment's title, and words shared by every section.

report-title = Deep Learning — HW5: Adapting Foundation Models
report-summary = Suite **{ $suite }**, run { $run }, status **{ status-word }**: { $finished } of { $total } experiments finished{ $skipped ->
        [0] {""}
       *[other] , { $skipped } not run
    }{ $failed ->
        [0] {""}
       *[other] , { $failed } failed or stopped
    }.
report-generated = Generated { $at } by adaptlab { $version }. Every number in this report is read from the results of this run.
report-footer = Seeds are listed with each experiment. Re-render this report with `adaptlab report --run { $run }`.
status-word = { $status ->
        [finished] finished
        [failed] failed
        [cancelled] cancelled
        [interrupted] interrupted
        [skipped] not run
       *[running] running
    }

heading-coverage = What this report answers
coverage-intro = Each part of the assignment, the section that answers it, and whether the answer rests on this run's numbers.
coverage-part = Part
coverage-section = Section
coverage-answer = Answered
coverage-numbers = with this run's numbers
coverage-text = in text only
coverage-missing = not yet: no experiment in this run

heading-demo = Pipeline check
heading-q1 = Question 1 — Composing parameter-efficient modules
heading-q2 = Question 2 — MoCo: momentum, the negative queue, and offline augmentation
heading-q3 = Question 3 — CLIP zero-shot on Stanford Dogs
heading-q4 = Question 4 — A Persian language model: soft prompting and reasoning
heading-q5 = Question 5 — ViT with LoRA on Food101
question-not-run = Not run yet: this run has no experiment for this question.

part-q1a = Q1 (a) the goal of PEFT, LoRA and (IA)³
part-q1b = Q1 (b) why composing modules helps, without retraining
part-q1c = Q1 (c) modules from different initialisations
part-q1d = Q1 (d) evidence that weight-space composition generalises
part-q1e = Q1 (e) limitations for real LLMs
part-q2a = Q2 (a) the momentum coefficient
part-q2b = Q2 (b) the queue of negatives
part-q2c = Q2 (c) 2,000 MRI images augmented offline
part-q3a = Q3 (a) zero-shot accuracy
part-q3b = Q3 (b) prompt templates
part-q3c = Q3 (c) per-class metrics and the worst class
part-q3d = Q3 (d) a trainable embedding per class
part-q3e = Q3 (e) linear probe
part-q3f = Q3 (f) the larger model
part-q4-soft = Q4 soft prompting
part-q4-reasoning = Q4 reasoning methods
part-q5-data = Q5 step 1: the data
part-q5-model = Q5 step 2: the model and its LoRA configuration
part-q5-train = Q5 step 3: training
part-q5-eval = Q5 step 4: evaluation
part-q5-predict = Q5 step 5: predicting a new image

exp-meta = { $id } · part { $part } · task { $task } · seed { $seed } · device { $device }{ $seconds ->
        [none] {""}
       *[other] {" · "}{ SECS($seconds) }
    }{ $reused_from ->
        [none] {""}
       *[other] {" · "}result reused from run { $reused_from }
    }
exp-status = { $status ->
        [failed] **Failed:** { $error }
        [skipped] **Not run yet:** { $error }
        [cancelled] **Cancelled** before it finished; run the suite again to complete it.
        [interrupted] **Interrupted** (the process stopped); run the suite again to resume: finished experiments are reused.
       *[running] Still running.
    }
section-error = This section could not be rendered ({ $exp }: { $error }); re-run the experiment with `--force`.
artifact-missing = ({ $title } is not available)

list-and = and
list-separator = {", "}

## Column headings of result tables (col-<key>).
col-accuracy_ovr = accuracy (one-vs-rest)
col-base = base
col-base_mean_per_class = base mean per-class
col-base_top1 = base top-1
col-base_top5 = base top-5
col-best_accuracy = best accuracy
col-best_at = best at
col-best_epoch = best epoch
col-change_points = change (points)
col-chosen = chosen on validation
col-class = class
col-file = file
col-problem = problem
col-class_names = class names
col-epoch = epoch
col-eval_accuracy = eval accuracy
col-eval_loss = eval loss
col-f1 = F1
col-f1_after = F1 after
col-f1_base = F1 base
col-f1_before = F1 before
col-f1_large = F1 large
col-final_loss = final training loss
col-heldout_f1 = held-out F1 of the class
col-heldout_top1 = held-out top-1
col-images = images
col-images_per_s = images/s
col-kind = kind
col-label = label
col-large = large
col-large_mean_per_class = large mean per-class
col-large_top1 = large top-1
col-large_top5 = large top-5
col-mean_per_class = mean per-class
col-method = method
col-model = model
col-parameters = parameters
col-peak_rss_mib = peak RSS (MiB)
col-precision = precision
col-predicted = predicted as
col-probability = probability
col-prompt = prompt
col-quantity = quantity
col-rank = rank
col-recall = recall
col-role = role
col-runs = runs
col-saved_mib = saved (MiB)
col-setting = setting
col-share = share of the true class
col-shots = shots per class
col-skipped = skipped
col-state_mib = training state (MiB)
col-step = step
col-steps = steps
col-steps_per_s = steps/s
col-test_accuracy = test accuracy
col-top1 = top-1
col-top1_change_points = top-1 change (points)
col-top1_mean = top-1 mean
col-top1_std = top-1 std
col-top5 = top-5
col-total = total
col-train_loss = train loss
col-train_seconds = train time (s)
col-trainable = trainable
col-trainable_pct = trainable %
col-true_class = true class
col-val_top1 = validation top-1

## Terms: methods, roles and kinds (term-<key>), in tables, charts and sentences.
term-zero_shot = zero-shot
term-text_init = (d1) class embeddings, text init
term-random_init = (d1) class embeddings, random init
term-coop = (d2) CoOp context tokens
term-probe = (e) linear probe
term-lbfgs = (e) logistic regression, L-BFGS
term-lora = LoRA
term-full = full fine-tuning
term-ia3 = (IA)³
term-linear_probe = linear probe
term-worst_class = worst class
term-confused_with_it = confused with it
term-all_classes_top1 = all classes (top-1)
term-generic = generic
term-domain = domain
term-descriptive = descriptive
term-ensemble = ensemble
term-single = single
term-curated = curated
term-raw = raw
term-best_top1 = best prompt
term-best_single_top1 = best single prompt
term-ensemble7_top1 = 7-template ensemble
term-ensemble80_top1 = 80-template ensemble
term-generic_mean_top1 = generic templates (mean)
term-ensemble7 = ensemble of 7 templates (SIMPLE_IMAGENET)
term-ensemble80 = ensemble of 80 templates (OPENAI_IMAGENET)
term-ensemble_of_candidates = ensemble of the prompts above
term-shots-full = { $images ->
        [none] full
       *[other] full ({ $images })
    }
term-dog-specific = dog-specific
term-image-empty = empty file
term-image-truncated = truncated (its data ends early)
term-image-too_large = above the pixel limit
term-image-other_format = not JPEG or PNG
term-image-corrupt = corrupt or not an image
term-macro_average = macro average
term-weighted_average = weighted average
term-setting-lr = lr { $lr }
term-setting-lr-wd = lr { $lr }, weight decay { $wd }
term-setting-c = C = { $c }
term-best-step = step { $step } of { $steps }
term-lbfgs-iterations = { $iterations } iterations{ $converged ->
        [no] {" "}(not converged)
       *[yes] {""}
    }

## Chart titles, axes and lines.
plot-training-loss = Training loss
axis-step = step
axis-epoch = epoch
axis-optimizer-step = optimizer step
axis-shots = training images per class
axis-test-top1-pct = test top-1 (%)
series-train_loss = training loss
series-train_accuracy = training batch accuracy
series-test_accuracy = test accuracy
series-text_init_val_accuracy = (d1) text init
series-random_init_val_accuracy = (d1) random init
series-coop_val_accuracy = (d2) CoOp
series-text_init_train_loss = (d1) text init
series-random_init_train_loss = (d1) random init
series-coop_train_loss = (d2) CoOp
series-probe_val_accuracy = (e) linear probe
series-lora_eval_accuracy = LoRA
series-full_eval_accuracy = full fine-tuning
series-probe_eval_accuracy = linear probe
series-lora_train_loss = LoRA
series-full_train_loss = full fine-tuning
series-probe_train_loss = linear probe
series-lora_train_learning_rate = LoRA
series-ia3_eval_accuracy = (IA)³
series-ia3_train_loss = (IA)³

## What opens a question's section, before its experiments (intro-<question>).
intro-q1 = Parameter-efficient modules (LoRA, (IA)³) trained from a shared initialisation can be combined by arithmetic on their parameters: addition merges what two modules learnt, negation removes what one learnt.
