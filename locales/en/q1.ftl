# Question 1: composing parameter-efficient modules with arithmetic (Zhang, Chen, Liu, He,
# NeurIPS 2023). Facts about the paper come from ../shared/REFERENCE.md (Q1); numbers are
# this run's.

q1-setup = **Setup.** The modules adapt { $model } to { $classes } classes of dishes. The { $train_images } training images are split the way the authors' `dataset_split.py` splits a GLUE task: the first half ({ $half1_images } images) takes { PCT($majority, digits: 0) } of the examples of the first { $group_classes } classes (the *group*) and is filled up with the other classes, so the group is { PCT($half1_group_share) } of it; the second half ({ $half2_images } images) holds the rest, { PCT($half2_group_share) } group. Every module (LoRA with r = { $lora_r }, alpha = { NUM($lora_alpha) } on { $lora_targets }; (IA)³ on the keys, the values and the feed-forward activation; each with a new head trained with it) starts from the same seed and trains { $epochs } epochs at learning rate { NUM($lr) }, its best epoch chosen on { $validation_images } validation images. Every λ below is chosen on those validation images too; accuracies are measured on { $test_scored } test images that no choice has seen.

q1-answer-a = **(a) The goal of PEFT, and the two kinds of module.** Parameter-efficient fine-tuning adapts a large pre-trained model to a task by training a small set of parameters, a *parameter-efficient module* (PEM), while the pre-trained weights stay frozen: the module is cheap to train, to store and to share, one base model serves many tasks, and, the paper's starting point, modules become objects that can be combined. The paper studies two kinds. **LoRA** adds to a frozen weight W a low-rank update ΔW = BA, scaled by alpha / r, where A (r × d) starts random (kaiming-uniform) and B (d × r) starts at zero, so training starts from the base model itself; the module is the pair of matrices A and B. **(IA)³** learns vectors l that rescale, element by element, the keys, the values and the feed-forward network's intermediate activation; they start at ones (the identity), and the module is the set of vectors. **Full fine-tuning** updates every weight of the model instead: it needs gradients and optimizer state for all of them and produces a whole new copy of the model for every task.
q1-module-size = Each { $method } module here trains { $trainable } parameters, { PCT($trainable_fraction) } of the model's { $total_params } (the new head included), and its PEFT adapter file takes { NUM($saved_kib, digits: 1) } KiB.

q1-study-generalisation = **Study 1: distribution generalisation** (the paper's first setting; answers (b) and (d)). One module is trained on each half and the two are merged as the paper merges them, θ = λθ₁ + (1 − λ)θ₂ on the module's parameters: LoRA's A and B are averaged separately, (IA)³'s vectors are averaged, and the heads are averaged as the authors' `--merge_head` does; λ runs over a grid of { $lambda_count } values. For LoRA the exact sum of the updates, λΔW₁ + (1 − λ)ΔW₂ (ranks concatenated, PEFT's `cat`), is shown beside the paper's average. The module trained on both halves is the reference: what one training on all the data gives.
q1-merge = { $method }: validation chose λ = { NUM($merge_lambda) }{ $lambda_inside ->
        [true] {""}
       *[false] {" "}(an end of the grid, so one module alone with the other weighted zero)
    }. { $merge_vs_single ->
        [ahead] The merge scores { PCT($merge_accuracy) } on the test images, { GAP($merge_minus_single) } points above the better module alone ({ PCT($best_single_accuracy) }). Each half's module is biased toward its half: the first scores { PCT($half1_group_accuracy) } on the group and { PCT($half1_rest_accuracy) } on the other classes, the second { PCT($half2_group_accuracy) } and { PCT($half2_rest_accuracy) }; the merge keeps part of both skills ({ PCT($merge_group_accuracy) } and { PCT($merge_rest_accuracy) }).
        [level] The merge scores { PCT($merge_accuracy) } on the test images, level with the better module alone ({ PCT($best_single_accuracy) }, within half a point): on this run averaging gained nothing over the better module. Each half's module is biased toward its half (the first scores { PCT($half1_group_accuracy) } on the group and { PCT($half1_rest_accuracy) } on the other classes, the second { PCT($half2_group_accuracy) } and { PCT($half2_rest_accuracy) }).
       *[behind] The merge scores { PCT($merge_accuracy) } on the test images, { GAP($merge_minus_single) } points below the better module alone ({ PCT($best_single_accuracy) }): averaging these two modules lost more than it combined.
    } { $merge_vs_union ->
        [ahead] It is even ahead of the module trained on both halves ({ PCT($union_accuracy) }).
        [level] It is level with the module trained on both halves ({ PCT($union_accuracy) }).
       *[behind] The module trained on both halves stays ahead ({ PCT($union_accuracy) }, { GAP($merge_minus_union) } points more than the merge): a merge recovers part, not all, of what one training on all the data gives.
    } Over the grid the test accuracy of the merge ranges from { PCT($sweep_min) } to { PCT($sweep_max) }.
q1-exact = The exact sum of LoRA's updates (λ = { NUM($exact_lambda) } on validation) scores { PCT($exact_accuracy) }, { $exact_vs_average ->
        [ahead] { GAP($exact_minus_average) } points above the paper's average. Averaging A and B separately multiplies two averages, (λB₁ + (1 − λ)B₂)(λA₁ + (1 − λ)A₂) = λ²B₁A₁ + (1 − λ)²B₂A₂ + λ(1 − λ)(B₁A₂ + B₂A₁), which is not the average of the products: the cross terms replace part of each module's own update, and how well they stand in for it depends on how alike A₁ and A₂ still are (study 2).
        [level] level with the paper's average (within half a point): here the cross terms of the averaged pair cost nothing measurable.
       *[behind] { GAP($exact_minus_average) } points below the paper's average: on this run the cross terms that the averaged pair adds helped rather than hurt.
    }

q1-answer-b = **(b) Why composing modules helps, and why it needs no retraining.** Each module holds what one training distribution (or one task) taught. The paper's addition averages the modules' parameters; when both modules were trained from the same initialisation they stay close in parameter space, the points between them also have low loss (linear mode connectivity), and the average keeps a share of each module's skill, so it can cover what neither covered alone: in the distribution-generalisation setting each subset's module is biased toward its subset's label distribution, and the merge is meant to be closer to a module of the whole distribution. No retraining is needed because composition is arithmetic, element by element, on parameters that already exist: the only choice is the weight λ, made by a grid search on validation data, and no gradient is computed.
q1-no-retraining = In this run every composition above is one of { $merges } merges, each computed in { NUM($merge_ms, digits: 2) } ms (median) on this machine, against { SECS($training_seconds) } of training for the { $module_count } modules; no gradient step was taken after training, and every trained tensor was { $modules_unchanged ->
        [true] bit-identical after all the composing (checked).
       *[other] changed by the composing, which is a defect of this build.
    }

q1-study-initialisation = **Study 2: different initialisations** (answer (c)). The second half's LoRA module is trained again with its A matrices drawn from another seed (B starts at zero either way, and the head is drawn as before), then merged with the first half's module as in study 1. For each pair the table gives the second module alone, the best averaged merge (λ on validation), the exact sum of the updates, and the cross terms of the equal-weight average: the size of B₁A₂ + B₂A₁ relative to B₁A₁ + B₂A₂ (Frobenius norms over all adapted projections) and the cosine between the two.
q1-init = { $other_init_vs_same ->
        [behind] From two starts the averaged merge falls to { PCT($init_other_average_accuracy) }, { GAP($init_average_drop) } points below the merge from one start ({ PCT($init_same_average_accuracy) }), although the second module alone is as usable as before ({ PCT($init_other_second_accuracy) } against { PCT($init_same_second_accuracy) }).
        [level] From two starts the averaged merge scores { PCT($init_other_average_accuracy) }, level with the merge from one start ({ PCT($init_same_average_accuracy) }; validation chose λ = { NUM($init_same_lambda) } from one start and λ = { NUM($init_other_lambda) } from two).
       *[ahead] From two starts the averaged merge scores { PCT($init_other_average_accuracy) }, ahead of the merge from one start ({ PCT($init_same_average_accuracy) }): on this run the second draw did not hurt the average.
    } { $other_init_cosine ->
        [behind] The cross terms show the mechanism: from one start they point the way of the wanted sum (cosine { NUM($init_same_cross_cosine, digits: 2) }), because A₁ and A₂ both grew from the same A₀; from two starts they are nearly unrelated to it (cosine { NUM($init_other_cross_cosine, digits: 2) }) while their size is { NUM($init_other_cross_ratio, digits: 2) } times the sum's, so the average carries an update that neither module learnt.
        [level] On this run the cross terms are about as aligned with the wanted sum from two starts (cosine { NUM($init_other_cross_cosine, digits: 2) }) as from one (cosine { NUM($init_same_cross_cosine, digits: 2) }).
       *[ahead] On this run the cross terms are more aligned with the wanted sum from two starts (cosine { NUM($init_other_cross_cosine, digits: 2) }) than from one (cosine { NUM($init_same_cross_cosine, digits: 2) }), against the expectation.
    } The exact sum has no cross terms; from two starts it scores { PCT($init_other_exact_accuracy) }, { $other_init_exact_vs_average ->
        [ahead] { GAP($init_other_exact_minus_average) } points above the averaged merge of the same modules.
        [level] level with the averaged merge of the same modules.
       *[behind] { GAP($init_other_exact_minus_average) } points below the averaged merge of the same modules.
    }

q1-answer-c = **(c) Why modules trained from different initialisations can hurt when composed.** The arithmetic works on the modules' parameters, not on their effect. For LoRA, averaging A and B separately gives (λB₁ + (1 − λ)B₂)(λA₁ + (1 − λ)A₂) = λ²B₁A₁ + (1 − λ)²B₂A₂ + λ(1 − λ)(B₁A₂ + B₂A₁). When both modules grew from the same A₀ (and B from zero), their A matrices stay close, the cross terms act much like the modules' own updates, and the merge lies on a low-loss path between two solutions of one basin. When the A matrices are independent random draws, each module writes its update in its own r-dimensional coordinates: the coordinates of one mean nothing to the other, the cross terms are products of unrelated factors, and the averaged point need not lie in a low-loss region, since linear mode connectivity holds only from a shared start. This is why the authors retrain Alpaca-LoRA themselves in their LLaMA experiment, so that the modules they compose share their starting point. (IA)³ vectors always start at ones, so for them the question concerns the head and the training data, not the module's start.

q1-study-negation = **Study 3: negation, the analogue of the paper's detoxification** (answers (d) and (e)). A module trained only on the group's classes is negated (LoRA: B → −B; (IA)³: l → 2 − l) and put on the module trained on all classes in two ways: the paper's addition, (1 − λ)θ_all + λ(⊖θ_group), whose weights sum to one as in the authors' `merge.py` (so the kept module shrinks by 1 − λ as well), and the scaled negation on top of the kept module, ΔW_all − λΔW_group for LoRA and l_all ⊙ (1 − λ(l_group − 1)) for (IA)³, the way the authors' GPT-2 script puts −λΔW on the base model. Forgetting should lower the accuracy on the group and keep it on the other classes, as detoxification should lower toxicity and keep fluency. λ is chosen on validation images: the largest drop on the group among the λ that keep the other classes within five points.
q1-negation = { $method }, { $form }: { $targeted ->
        [true] at λ = { NUM($lambda) } the group falls from { PCT($group_before) } to { PCT($group_after) } while the other classes go from { PCT($rest_before) } to { PCT($rest_after) }: the negated module takes away mainly what it learnt.
       *[other] { $group ->
            [behind] at λ = { NUM($lambda) } the group falls from { PCT($group_before) } to { PCT($group_after) }, but the other classes fall from { PCT($rest_before) } to { PCT($rest_after) }, { GAP($rest_drop) } points against the group's { GAP($group_drop) }: the negation damages the model as a whole rather than the group.
           *[other] no λ of the grid lowers the group while keeping the other classes within five points on validation (λ = { NUM($lambda) } chosen); at λ = { NUM($max_lambda) } the group is at { PCT($max_group) } and the other classes at { PCT($max_rest) }.
        }
    }

q1-answer-d = **(d) How the paper shows that composing in weight space generalises.** The paper composes modules in five settings and scores each composition against the modules it was made from: distribution generalisation (RoBERTa-base on eight GLUE tasks, CoLA, SST-2, MRPC, QQP, STS-B, MNLI, QNLI and RTE, each split into two subsets with different label distributions, one of them holding 80% of the examples of label 0; one module per subset, then merged); multi-task composition (T5-base on MNLI and RTE); unlearning by negation (GPT-2 large tuned on the comments of civil_comments with toxicity above 0.8, then negated; toxicity scored with Detoxify and fluency with perplexity on WikiText); domain transfer by analogy (Amazon and Yelp polarity, with T5); and the detoxification of Alpaca-LoRA (LLaMA-7B) by negating a toxic LoRA continued from it, with helpfulness judged by GPT-4. Its evidence is the tables of these settings, where each composition is compared, task by task, with the modules it came from, λ swept on a grid. The paper's values are not quoted here: no copy of its tables could be read while this report was written, and no number is quoted from memory. The measured analogues are this section's studies: study 1 is the distribution-generalisation setting on images, study 3 the negation setting.

q1-answer-e = **(e) Limitations for real LLMs.** As the paper's own settings expose them: (1) the modules must share the base model and, for averaging, their initialisation: the authors retrain Alpaca-LoRA to get a common start, and modules downloaded from different sources rarely have one; (2) the weight λ has to be chosen for every composition, by a grid search on validation data that the target task must supply, and the grid grows with the number of modules; (3) the arithmetic is linear in the parameters while the modules act through a non-linear network and, for LoRA, through the product BA, so a sum of modules is not the sum of their behaviours; (4) only LoRA and (IA)³ are studied; (5) negation removes more than its target: fluency (perplexity) is measured beside toxicity, and helpfulness beside toxicity for Alpaca-LoRA, because a negated model can lose abilities it should keep.
q1-limits-ours = In our runs: λ matters, since over the grid the LoRA merge's test accuracy runs from { PCT($lora_sweep_min) } to { PCT($lora_sweep_max) } and validation chose λ = { NUM($lora_merge_lambda) }{ $other_init_vs_same ->
        [behind] ; the merge from two starts lost { GAP($init_average_drop) } points against one start (limitation 1)
        [level] ; the merge from two starts was level with one start on this run, though its cross terms had cosine { NUM($init_other_cross_cosine, digits: 2) } with the wanted sum
        [ahead] ; the merge from two starts did not lose accuracy on this run
       *[other] {""}
    }.
q1-limits-negation = Limitation 5 ({ $method }, { $form }): { $group ->
        [behind] lowering the group by { GAP($group_drop) } points (λ = { NUM($lambda) }) { $rest ->
            [behind] cost the other classes { GAP($rest_drop) } points{ $targeted ->
                [true] , less than the group lost.
               *[other] , as much as the group lost or more.
            }
           *[other] left the other classes level ({ PCT($rest_after) }, from { PCT($rest_before) }).
        }
       *[other] no λ lowered the group without costing the other classes more than five points; at λ = { NUM($max_lambda) } the other classes are at { PCT($max_rest) }, from { PCT($rest_before) }.
    }

plot-q1-lambda = Merge accuracy against λ (weight of the first half's module)
plot-q1-init = LoRA merges from one start and from two (test accuracy)
plot-q1-negation-lora = LoRA negation: accuracy on the group and on the other classes
plot-q1-negation-ia3 = (IA)³ negation: accuracy on the group and on the other classes
axis-lambda = λ

series-lora_average_validation = LoRA average, validation
series-lora_average_test = LoRA average, test
series-lora_exact_test = LoRA exact ΔW sum, test
series-ia3_average_validation = (IA)³ average, validation
series-ia3_average_test = (IA)³ average, test
series-lora_other_init_test = LoRA average, two starts
series-lora_negation_average_group = paper's addition: group
series-lora_negation_average_rest = paper's addition: other classes
series-lora_negation_stacked_group = scaled negation: group
series-lora_negation_stacked_rest = scaled negation: other classes
series-ia3_negation_average_group = paper's addition: group
series-ia3_negation_average_rest = paper's addition: other classes
series-ia3_negation_stacked_group = scaled negation: group
series-ia3_negation_stacked_rest = scaled negation: other classes

col-module = module
col-lambda = λ
col-validation_accuracy = validation accuracy
col-group_accuracy = group accuracy
col-rest_accuracy = other classes
col-start = start
col-second_module = second module alone
col-average_merge = average merge
col-exact_merge = exact ΔW sum
col-cross_ratio = cross terms / sum
col-cross_cosine = cosine
col-form = form
col-saved_kib = adapter (KiB)
col-optimizer_steps = optimizer steps

term-module_half1 = first half's module
term-module_half2 = second half's module
term-module_union = module on both halves
term-module_group = module of the group
term-module_half2_other_init = second half's module, other start
term-merge_average = merge, paper's average
term-merge_exact = merge, exact ΔW sum
term-same_start = one start
term-other_start = two starts
term-negation_average = paper's addition of the negated module
term-negation_stacked = scaled negation on the kept module
term-chosen = chosen
