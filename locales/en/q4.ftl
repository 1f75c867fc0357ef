# Question 4: a Persian language model, soft prompting and reasoning methods.

q4-soft-what = **Soft prompting.** A hard prompt is text: an instruction, perhaps with worked examples, whose tokens the model reads like any input. A soft prompt (prompt tuning) is a matrix of n *virtual tokens*, vectors in the model's embedding space that correspond to no word, prepended to the embeddings of the input; the language model stays frozen and only these n × d numbers are trained, by gradient descent on the task's loss. In PEFT's implementation, which adaptlab matches and whose format it saves, the attention mask gets n ones, the labels get n ignored positions, and the prompt starts from the embeddings of an instruction's tokens (TEXT) or from random vectors (RANDOM). **Prefix tuning** trains more: a prefix of keys and values in *every* attention layer rather than only at the input, so it reaches deeper into the network with more parameters per virtual token. **LoRA** changes the weights themselves: a low-rank update B·A of chosen projections in every layer, trained and then mergeable into the weights. At inference, a soft prompt costs n extra positions in every forward pass (the sequence gets longer, but no text is read), a prefix costs its cached keys and values, in-context examples cost their whole text on every query, and a merged LoRA costs nothing at all; one frozen model can serve many tasks by swapping n × d numbers per task.

q4-soft-setup = **Setup.** { $model } ({ NUM($model_parameters) } parameters, embedding width { $hidden_size }) labels texts from { $data_source } ({ $train_examples } for training, { $test_examples } for testing) as { $labels }: the prediction is the label word with the highest log-probability after the example written as “{ $template }”. Always answering the most common test label scores { PCT($majority_rate) }. Zero-shot puts the instruction “{ $instruction }” before the example; in-context prompts add k labelled training examples (balanced over the labels, seeded); soft prompts put n trained virtual tokens before the example instead ({ $train_steps } steps of AdamW on the prompt alone); LoRA trains rank-r updates of the attention projections on the same examples. Every method is scored on the same test texts.

plot-q4-soft-length = Test accuracy against the number of virtual tokens
plot-q4-soft-loss = Training loss of each soft prompt and of LoRA
axis-virtual-tokens = virtual tokens n
series-soft-loss = soft prompt { $value }

q4-soft-vs-zero-shot = { $soft_vs_zero_shot ->
        [ahead] **The best soft prompt beats the hard prompt:** { PCT($soft_accuracy) } ({ $soft_n } virtual tokens, { $soft_init } init) against { PCT($zero_shot_accuracy) } zero-shot{ $zero_shot_at_chance ->
            [true] , which is no better than always giving the most common label: the model does not follow the instruction in words, while the prompt's { NUM($soft_trainable) } trained numbers steer it to the label words
           *[other] {""}
        }.
        [level] **The best soft prompt is level with the hard prompt:** { PCT($soft_accuracy) } ({ $soft_n } virtual tokens) against { PCT($zero_shot_accuracy) } zero-shot; training the prompt found nothing the instruction did not already give.
       *[behind] **The best soft prompt stays behind the hard prompt:** { PCT($soft_accuracy) } ({ $soft_n } virtual tokens) against { PCT($zero_shot_accuracy) } zero-shot; with { $train_examples } examples and { $train_steps } steps the prompt did not learn what the instruction already says.
    }
q4-soft-vs-icl = With k = { $icl_k } in-context examples the hard prompt reaches { PCT($icl_accuracy) } ({ $in_context_vs_zero_shot ->
        [ahead] ahead of zero-shot
        [level] level with zero-shot
        [behind] behind zero-shot
       *[other] no zero-shot run to compare
    }) at { NUM($icl_tokens, digits: 0) } prompt tokens per example, against { NUM($soft_tokens, digits: 0) } text tokens plus { $soft_n } virtual ones for the soft prompt, which is { $soft_vs_in_context ->
        [ahead] ahead of it.
        [level] level with it.
       *[behind] behind it: the examples in context still carry more than the trained prompt.
    }
q4-soft-length = **Prompt length and initialisation.** { $longest_vs_shortest ->
        [ahead] For the better initialisation, { $longest_n } virtual tokens are ahead of { $shortest_n }: more trainable positions gave the prompt more room.
        [level] For the better initialisation, { $longest_n } virtual tokens are level with { $shortest_n }: a few positions already hold what this task needs.
        [behind] For the better initialisation, { $longest_n } virtual tokens are behind { $shortest_n }: the longer prompt did not train as well in the same number of steps.
       *[other] Only one prompt length was run.
    } { $text_vs_random_shortest ->
        [ahead] TEXT init is ahead of RANDOM at n = { $shortest_n },
        [level] TEXT and RANDOM init are level at n = { $shortest_n },
        [behind] RANDOM init is ahead of TEXT at n = { $shortest_n },
       *[other] {""}
    }{ $text_vs_random_longest ->
        [ahead] {" "}and TEXT is ahead at n = { $longest_n }.
        [level] {" "}and level at n = { $longest_n }.
        [behind] {" "}and RANDOM is ahead at n = { $longest_n }.
       *[other] {""}
    } PEFT's RANDOM init draws entries from N(0, 1), far larger than the trained embeddings of most models, so a random prompt starts far from anything the model has seen and must travel further; TEXT starts on real words.
q4-soft-lora = **LoRA, the "more parameters" point:** rank { $lora_r } on the attention trains { NUM($lora_trainable) } parameters and reaches { PCT($lora_accuracy) }, { $lora_vs_soft ->
        [ahead] ahead of the best soft prompt ({ NUM($soft_trainable) } parameters): changing the weights inside every layer is a stronger intervention than steering the input.
        [level] level with the best soft prompt ({ NUM($soft_trainable) } parameters).
       *[behind] behind the best soft prompt ({ NUM($soft_trainable) } parameters).
    }
q4-soft-nearest = **What the learned tokens are near.** Lester et al. (2021) read learned prompts by the vocabulary tokens nearest to each virtual token. For the best prompt ({ $nearest_init } init, { $nearest_n } tokens; the first ten shown), the mean cosine to the nearest token is { NUM($nearest_cos_before, digits: 3) } before training and { NUM($nearest_cos_after, digits: 3) } after: { $nearest_after_vs_before ->
        [behind] training moved the virtual tokens away from every word; what they encode is not text, which is why a soft prompt cannot be written down as a hard one.
        [level] training kept the virtual tokens about as close to words as they started; they still read like their neighbours, though the model uses them as vectors, not words.
       *[ahead] training moved the virtual tokens closer to some words.
    }

q4-soft-cost = **What each costs.** Zero-shot and in-context prompting train nothing; their price is context: each in-context example is read again for every query and takes room the input could use. A soft prompt trains n × d numbers (here { NUM($hidden_size) } per virtual token) and adds n positions to every forward pass; it is stored in PEFT's format (`adapter_config.json` and `adapter_model.safetensors` with `prompt_embeddings`) and loads into PEFT with the same outputs. LoRA trains more and, merged, adds nothing at inference.

q4-reasoning-setup = **Setup.** { $model } answers { $questions } questions from { $data_source } with { $style ->
        [chat] its chat template (the question as the user's turn; the method's opening words start the assistant's turn)
       *[plain] plain prompts in the question–answer form of the papers
    }. Direct answers get no room to reason; zero-shot chain of thought opens the answer with a trigger (Persian, and English “Let's think step by step.” as Kojima et al. 2022 wrote it); few-shot chain of thought shows { $exemplars } worked { $exemplars ->
        [one] exemplar
       *[other] exemplars
    } { $exemplars_source ->
        [auto_cot] built by Auto-CoT (the model's own zero-shot chains on training questions, kept only when their final answer was right)
       *[suite] written in the suite
    }; self-consistency samples several chains and takes the majority answer. The final answer is read from the output (Persian, Arabic-Indic or Latin digits, “گزینه ۲”, the last answer of a chain); an answer that cannot be read counts as wrong and is reported as “unreadable”. Intervals are 95% bootstrap intervals over questions; the p-value is McNemar's exact test against the direct answers on the same questions.

q4-reasoning-cot = { $cot_vs_direct ->
        [ahead] **Chain of thought beats the direct answer:** { PCT($accuracy_zero_shot_cot) } against { PCT($accuracy_direct) }, at { NUM($tokens_zero_shot_cot, digits: 0) } generated tokens per question instead of { NUM($tokens_direct, digits: 0) }{ $cot_significant ->
            [true] ; McNemar's p { $p_tiny_zero_shot_cot ->
                [true] < 0.0001
               *[other] = { NUM($p_zero_shot_cot, digits: 4) }
            }, so the gain is not chance on these questions
           *[other] , though McNemar's p = { NUM($p_zero_shot_cot, digits: 4) } does not rule out chance on this many questions
        }.
        [level] **Chain of thought is level with the direct answer:** { PCT($accuracy_zero_shot_cot) } against { PCT($accuracy_direct) }, while it generates { NUM($tokens_zero_shot_cot, digits: 0) } tokens per question instead of { NUM($tokens_direct, digits: 0) }.
       *[behind] **Chain of thought is behind the direct answer:** { PCT($accuracy_zero_shot_cot) } against { PCT($accuracy_direct) } (McNemar's p = { NUM($p_zero_shot_cot, digits: 4) }): the chains this model writes lead it astray more often than they help.
    }
q4-reasoning-trigger = With the English trigger the model reaches { PCT($accuracy_zero_shot_cot_en) } against { PCT($accuracy_zero_shot_cot) } with the Persian one ({ $english_vs_persian_trigger ->
        [ahead] the English trigger is ahead
        [level] level
       *[behind] the English trigger is behind
    }; { PCT($unreadable_zero_shot_cot_en) } of its answers could not be read).
q4-reasoning-few-shot = Few-shot chain of thought reaches { PCT($accuracy_few_shot_cot) }, { $few_shot_vs_zero_shot ->
        [ahead] ahead of the zero-shot trigger: worked exemplars show the model the form of a solution.
        [level] level with the zero-shot trigger.
       *[behind] behind the zero-shot trigger: the exemplars make each prompt { NUM($prompt_tokens_few_shot_cot, digits: 0) } tokens long instead of { NUM($prompt_tokens_zero_shot_cot, digits: 0) }, and this model does worse over the longer context than it gains from the worked examples.
    }
q4-reasoning-votes = **Self-consistency** ({ $votes_prompt } prompt, sampled chains): one sampled chain scores { PCT($votes_single_accuracy) }, the majority of { $votes_max } scores { PCT($votes_max_accuracy) }; { $votes_vs_single ->
        [ahead] voting gains over a single sample
        [level] voting changes little over a single sample
        [behind] voting loses to a single sample
       *[other] only one vote size was run
    }{ $votes_vs_greedy ->
        [ahead] {" "}and beats the greedy chain of the same prompt
        [level] {" "}and is level with the greedy chain of the same prompt
        [behind] {" "}but stays behind the greedy chain of the same prompt
       *[other] {""}
    }, at { $votes_max } times the generated tokens. { $votes_monotone ->
        [true] Accuracy did not fall as votes were added.
       *[other] Accuracy did not rise steadily with the number of votes.
    } Sampling makes single chains worse than the greedy one, and the vote buys that back and more when right answers agree while wrong chains scatter over different answers (Wang et al. 2023).

q4-reasoning-why = **Why chain of thought helps, and when it does not.** A transformer spends a fixed amount of computation per generated token; a direct answer must compute a multi-step result within the layers of one position, while a chain writes intermediate results down and conditions on them, so each step is a small computation the model can do. The papers' figures show how large this is for large models: with PaLM 540B, chain-of-thought exemplars raise GSM8K accuracy from about 18% to 57% (Wei et al. 2022); the zero-shot trigger “Let's think step by step.” raises MultiArith from 17.7% to 78.7% and GSM8K from 10.4% to 40.7% (Kojima et al. 2022); self-consistency adds 17.9 points on GSM8K (Wang et al. 2023). These gains are reported for models of hundreds of billions of parameters; they do not say what a small model gains. A chain only helps a model that has learned to carry out each step, and a trigger only helps a model that has seen text in which such words are followed by reasoning: the table above measures both on this model.

q4-reasoning-examples = **Example answers** (for each method, the first question it got right and the first it got wrong; outputs cut at 500 characters):

plot-q4-votes = Accuracy against the number of sampled chains in the vote
plot-q4-cost = Accuracy against generated tokens per question
axis-votes = chains in the vote
axis-tokens-per-question = generated tokens per question
series-cost-methods = single-answer methods
series-cost-self_consistency = self-consistency (1 … N chains)

## Columns and terms of Q4's tables.
col-init = init
col-n = n (shots, tokens or rank)
col-accuracy = accuracy
col-macro_f1 = macro-F1
col-text_tokens = prompt tokens per example
col-virtual_tokens = virtual tokens
col-k = k
col-text = text
col-position = virtual token
col-before = nearest words before training
col-cos_before = cosine before
col-after = nearest words after training
col-cos_after = cosine after
col-ci_low = 95% CI low
col-ci_high = 95% CI high
col-unreadable = unreadable
col-over_context = over the context
col-tokens_per_question = generated tokens per question
col-seconds_per_question = seconds per question
col-only_method_right = only this method right
col-only_direct_right = only direct right
col-p_value = McNemar p
col-votes = chains in the vote
col-question = question
col-output = output
col-read = answer read
col-answer = correct answer
col-right = right
term-in_context = in-context examples
term-soft_prompt = soft prompt
term-text = TEXT
term-random = RANDOM
term-vocab = sampled vocabulary
term-none = —
term-direct = direct answer
term-zero_shot_cot = zero-shot CoT (Persian trigger)
term-zero_shot_cot_en = zero-shot CoT (English trigger)
term-few_shot_cot = few-shot CoT
term-self_consistency = self-consistency
term-yes = yes
term-no = no
term-generated_reviews = generated reviews
term-generated_word_problems = generated word problems
term-sentiment_dksf = hezarai/sentiment-dksf (Digikala and SnappFood comments)
term-parsinlu_multiple_choice = ParsiNLU's multiple-choice questions
