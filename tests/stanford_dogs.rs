//! The Stanford Dogs reader on a generated copy in the real layout, and its errors.
use adaptlab::data::stanford_dogs::{ClassNames, Split, StanfordDogs};
use adaptlab::data::synth_dogs::{write_dataset, DogsLikeSpec};

fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), &DogsLikeSpec { classes: 5, train_per_class: 4, test_per_class: 2, image_size: 32, seed: 3 }).unwrap();
    dir
}

#[test]
fn reads_splits_classes_and_images() {
    let dir = generated();
    let train = StanfordDogs::open(dir.path(), Split::Train).unwrap();
    let test = StanfordDogs::open(dir.path(), Split::Test).unwrap();
    assert_eq!((train.items.len(), test.items.len(), train.classes.len()), (20, 10, 5));
    assert_eq!(train.names(ClassNames::Raw)[0], "red circle");
    assert!(test.items.iter().all(|i| i.path.is_file()));
    assert_eq!(test.items.iter().filter(|i| i.label == 4).count(), 2);
    let img = adaptlab::data::image::decode_file(&test.items[0].path).unwrap();
    assert_eq!((img.width, img.height), (32, 32));
}

#[test]
fn layout_problems_are_explained() {
    let dir = generated();
    let err = |d: &std::path::Path| format!("{:#}", StanfordDogs::open(d, Split::Test).unwrap_err());

    let empty = tempfile::tempdir().unwrap();
    assert!(err(empty.path()).contains("adaptlab fetch stanford-dogs"));

    let images = dir.path().join("Images");
    let first = std::fs::read_dir(&images).unwrap().next().unwrap().unwrap().path();
    let file = std::fs::read_dir(&first).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).max().unwrap();
    std::fs::remove_file(&file).unwrap();
    let e = err(dir.path());
    assert!(e.contains("missing") && e.contains("re-unpack images.tar"), "{e}");

    std::fs::remove_file(dir.path().join("test_list.mat")).unwrap();
    assert!(err(dir.path()).contains("test_list.mat not found"));
    std::fs::write(dir.path().join("test_list.mat"), b"not a mat file").unwrap();
    assert!(err(dir.path()).contains("not a readable MAT-file"));
}
