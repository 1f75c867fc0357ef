# Question 5: ViT + LoRA on Food-101 (the PEFT image-classification notebook).

q5-pretrain = With no internet in the demo, the ImageNet-21k weights of google/vit-base-patch16-224-in21k are replaced by a small ViT of the same Hugging Face architecture ({ $parameters } parameters) trained to tell { $classes } generated shapes apart; its last batch accuracy is { PCT($final_batch_accuracy) }. It is saved exactly as the hub saves the in21k checkpoint (a bare ViTModel with a pooler and config.json), so the adaptation below loads it through the same code as the real model, and then adapts it to a *different* task: generated dishes whose textures it has never seen.
plot-pretraining-loss = Pre-training loss

q5-setup = **Setup.** { $model } is adapted to { $classes } classes on { $train_images } training images and evaluated on { $eval_images } images ({ $eval_on ->
        [held_out] { PCT($held_out_fraction, digits: 0) } of the first { $subset_images } training images, held out
       *[test] the test split
    }), with the PEFT notebook's Trainer recipe: AdamW, linear decay, { $epochs } epochs, batches of { $batch_size } with { $grad_accum } accumulation steps (effective batch { $effective_batch }), evaluation and a checkpoint after every epoch, the best epoch kept, precision { $precision }. LoRA uses r = { $lora_r }, alpha = { NUM($lora_alpha) } on { $lora_targets }, with the new classifier trained in full (`modules_to_save`); learning rate { NUM($lr) } for LoRA and the probe, { NUM($full_lr) } for full fine-tuning.
q5-parameters = **Parameters.** LoRA trains { $lora_trainable } of { $lora_total } parameters (**{ PCT($lora_trainable_fraction) }**): two matrices A (r × d) and B (d × r) per adapted projection, plus the head. For ViT-Base with a 101-class head at r = 16 this count is 667,493 of 86,466,149 (0.77%), the figure PEFT prints; adaptlab's count is checked against PEFT's in the parity tests.
q5-lora-vs-full = { $lora_vs_full ->
        [behind] **LoRA falls short of full fine-tuning here** ({ PCT($lora_accuracy) } against { PCT($full_accuracy) }, { POINTS($lora_minus_full) } points): with { PCT($lora_trainable_fraction) } of the parameters trainable, the rank-{ $lora_r } update of query and value cannot move the features as far as this task needs from what pre-training taught (a larger r, more target modules or more epochs narrow the gap).
        [ahead] **LoRA beats full fine-tuning here** ({ PCT($lora_accuracy) } against { PCT($full_accuracy) }, { POINTS($lora_minus_full) } points) while training { PCT($lora_trainable_fraction) } of the parameters: updating every weight on a small training set moves the pre-trained features further than the task needs, while the rank-{ $lora_r } update of the query and value projections keeps them and only re-weights attention.
       *[level] **LoRA reaches full fine-tuning's accuracy** ({ PCT($lora_accuracy) } against { PCT($full_accuracy) }, { POINTS($lora_minus_full) } points, within one point) while training { PCT($lora_trainable_fraction) } of the parameters. The pre-trained encoder already computes features that separate the classes; what the task needs is a small change in *which* features the attention combines, and such a change has low intrinsic rank (Hu et al., 2021): a rank-{ $lora_r } update of the query and value projections re-weights attention in every layer, and the fully trained head maps the result to the new labels.
    }
q5-lora-vs-probe = { $lora_vs_probe ->
        [ahead] The linear probe, which trains only the head on frozen features, reaches { PCT($probe_accuracy) }; LoRA is { POINTS($lora_minus_probe) } points ahead. The frozen features are not linearly separable enough for this task; LoRA's small change inside the encoder is what closes the gap.
        [level] The linear probe, which trains only the head on frozen features, reaches { PCT($probe_accuracy) } ({ POINTS($lora_minus_probe) } points from LoRA, within one point): here the frozen features already separate the classes, and adapting the encoder adds little.
       *[behind] The linear probe, which trains only the head on frozen features, reaches { PCT($probe_accuracy) }, { POINTS($lora_minus_probe) } points from LoRA: training the encoder's attention did not pay off on this data, where the frozen features already separate the classes.
    }
q5-ia3 = **(IA)³** trains { $ia3_trainable } parameters ({ PCT($ia3_trainable_fraction) }): one vector per adapted module, rescaling the keys, the values and the feed-forward activation, where LoRA adds two matrices. { $ia3_vs_lora ->
        [ahead] It is ahead of LoRA here ({ PCT($ia3_accuracy) } against { PCT($lora_accuracy) }, { POINTS($ia3_minus_lora) } points).
        [level] It is level with LoRA ({ PCT($ia3_accuracy) } against { PCT($lora_accuracy) }, within one point) with { RATIO($ia3_to_lora_params) } of LoRA's trainable parameters.
       *[behind] It stays behind LoRA ({ PCT($ia3_accuracy) } against { PCT($lora_accuracy) }, { POINTS($ia3_minus_lora) } points): rescaling the features the encoder already computes is a smaller change than adding a low-rank update to its projections.
    }
q5-cost = **What it costs.** LoRA's training took { SECS($lora_seconds) } against { SECS($full_seconds) } for full fine-tuning ({ RATIO($lora_time_ratio) }). { $lora_time ->
        [behind] LoRA is faster, but the saving in time is far smaller than the saving in parameters,
        [level] The two take about as long (within 10%): the saving in parameters buys almost no time,
       *[ahead] LoRA is even slower here: the saving in parameters buys no time, and the adapters' extra matrix products cost more than the skipped weight updates save on a model this small,
    } because the forward and backward passes still run through every frozen layer (the gradient must reach the first adapted projection). What LoRA saves is the weight gradients and the optimizer state of the frozen weights: the training state (weights, gradients and AdamW's two moments) is { NUM($lora_state_mib, digits: 1) } MiB against { NUM($full_state_mib, digits: 1) } MiB ({ RATIO($lora_state_ratio) }){ $lora_peak_memory ->
        [none] {""}
        [level] , while the process's peak memory is about the same, { NUM($lora_peak_rss_mib, digits: 0) } MiB against { NUM($full_peak_rss_mib, digits: 0) } MiB ({ RATIO($lora_peak_ratio) }; activations, the data pipeline and the runtime dominate it at this size)
       *[other] , and the process's peak memory { NUM($lora_peak_rss_mib, digits: 0) } MiB against { NUM($full_peak_rss_mib, digits: 0) } MiB ({ RATIO($lora_peak_ratio) }; activations and the data pipeline are the same for both)
    }. What is saved to disk is the adapter, { NUM($lora_saved_mib, digits: 3) } MiB against { NUM($full_saved_mib, digits: 1) } MiB for the fine-tuned model ({ RATIO($lora_saved_ratio, digits: 4) }), so one base model can serve many tasks.
plot-eval-accuracy = Evaluation accuracy after each epoch
plot-learning-rate = Learning rate (linear decay)

q5-predict = **Prediction on a new image.** The { $method } model{ $predict_method ->
        [lora] {" "}(LoRA merged into the weights for inference)
       *[other] {""}
    } labels { $predict_image } as **{ $predict_label }** with probability { PCT($predict_prob) }{ $predict_true_label ->
        [none] {""}
       *[other] ; the image is from the test split, never trained on, and its true label is { $predict_true_label }{ $predict_correct ->
                [true] {" "}(correct)
               *[false] {" "}(wrong)
            }
    }.
plot-predicted-image = The image and its top predictions
